import { describe, expect, it } from 'vitest';
import { type GpuPlace, type GroupData, planPaper } from '../../src/application/paper-plan.js';
import type { DatasetGroup } from '../../src/datasets/types.js';
import type { RunSpec } from '../../src/train/run-spec.js';

const ready: GroupData = { ready: true, note: '' };

const plan = (
  gpu: GpuPlace,
  groups?: ('gaussian' | 'cifar10' | 'fmnist')[],
  data: (group: DatasetGroup) => GroupData = () => ready,
) => {
  const asked: RunSpec[][] = [];
  const dataAsked: DatasetGroup[] = [];
  const planned = planPaper({
    fidelity: 'adgap',
    groups,
    rates: undefined,
    gpuPlace: async (runs) => {
      asked.push([...runs]);
      return gpu;
    },
    groupData: async (sweep, group) => {
      expect(sweep.name).toMatch(/^paper/);
      dataAsked.push(group);
      return data(group);
    },
  });
  return { planned, asked, dataAsked };
};

describe("the paper's plan", () => {
  it('is the whole grid, every group but CIFAR-10 training now, CIFAR-10 only where the runner finds a GPU', async () => {
    const { planned, asked, dataAsked } = plan({
      trains: false,
      reasons: ['no cuda addon', 'no tfjs-node-gpu'],
    });
    const { runCount, groups } = await planned;
    expect(runCount).toBe(6360);
    expect(groups.map((g) => [g.group, g.runs.length, g.trainsNow, g.leftOut])).toEqual([
      ['mnist', 1120, true, false],
      ['fmnist', 1120, true, false],
      ['cifar10', 760, false, true],
      ['gaussian', 1120, true, false],
      ['cauchy', 1120, true, false],
      ['holtsmark', 1120, true, false],
    ]);
    // A group's data is asked about only where it would otherwise train.
    expect(dataAsked).toEqual(['mnist', 'fmnist', 'gaussian', 'cauchy', 'holtsmark']);
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
    const gaussian = groups.find((g) => g.group === 'gaussian');
    expect([gaussian?.where, gaussian?.leftOut]).toEqual(['not run now: not in --groups', false]);
  });

  it('leaves out a group asked for whose data cannot be had, with its reason, and says what a download costs', async () => {
    const { planned } = plan(
      { trains: true, where: ' on cuda (H100)' },
      ['fmnist', 'gaussian', 'cifar10'],
      (group) =>
        group === 'fmnist'
          ? {
              ready: false,
              reason: 'fmnist: cannot reach https://example.test/f.gz (refused); pass --source FOLDER',
            }
          : group === 'cifar10'
            ? { ready: true, note: '; downloads 170.1 MB first from https://example.test' }
            : ready,
    );
    const { groups } = await planned;
    expect(
      groups.filter((g) => g.trainsNow || g.leftOut).map((g) => [g.group, g.trainsNow, g.leftOut, g.where]),
    ).toEqual([
      [
        'fmnist',
        false,
        true,
        'not run now: fmnist: cannot reach https://example.test/f.gz (refused); pass --source FOLDER',
      ],
      ['cifar10', true, false, 'runs now on cuda (H100); downloads 170.1 MB first from https://example.test'],
      ['gaussian', true, false, 'runs now'],
    ]);
  });
});
