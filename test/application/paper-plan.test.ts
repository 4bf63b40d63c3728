import { describe, expect, it } from 'vitest';
import { type GpuPlace, planPaper } from '../../src/application/paper-plan.js';
import type { RunSpec } from '../../src/train/run-spec.js';

const plan = (gpu: GpuPlace, groups?: ('gaussian' | 'cifar10')[]) => {
  const asked: RunSpec[][] = [];
  const planned = planPaper({
    fidelity: 'adgap',
    groups,
    rates: undefined,
    gpuPlace: async (runs) => {
      asked.push([...runs]);
      return gpu;
    },
  });
  return { planned, asked };
};

describe("the paper's plan", () => {
  it('is the whole grid, every group but CIFAR-10 training now, CIFAR-10 only where the runner finds a GPU', async () => {
    const { planned, asked } = plan({ trains: false, reasons: ['no cuda addon', 'no tfjs-node-gpu'] });
    const { runCount, groups } = await planned;
    expect(runCount).toBe(6360);
    expect(groups.map((g) => [g.group, g.runs.length, g.trainsNow])).toEqual([
      ['mnist', 1120, true],
      ['fmnist', 1120, true],
      ['cifar10', 760, false],
      ['gaussian', 1120, true],
      ['cauchy', 1120, true],
      ['holtsmark', 1120, true],
    ]);
    expect(groups.find((g) => g.group === 'cifar10')?.where).toBe(
      'not run here: no cuda addon; no tfjs-node-gpu; train it with --runner batch, or on a GPU machine with the same --store (the sweep resumes)',
    );
    // Only the GPU group's runs are asked about, once.
    expect(asked.map((runs) => new Set(runs.map((r) => r.dataset.group)))).toEqual([new Set(['cifar10'])]);
    expect(groups.every((g) => g.wallTime === undefined)).toBe(true);
  });

  it('trains CIFAR-10 where the runner has a GPU, and only the groups asked for', async () => {
    const { planned } = plan({ trains: true, where: ' on cuda (H100)' }, ['cifar10']);
    const { groups } = await planned;
    expect(groups.filter((g) => g.trainsNow).map((g) => [g.group, g.where])).toEqual([
      ['cifar10', 'runs now on cuda (H100)'],
    ]);
    expect(groups.find((g) => g.group === 'gaussian')?.where).toBe('not run now: not in --groups');
  });
});
