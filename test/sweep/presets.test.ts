import { describe, expect, it } from 'vitest';
import { DATASET_GROUPS } from '../../src/datasets/types.js';
import { expandRuns } from '../../src/sweep/expand.js';
import { paperPreset } from '../../src/sweep/presets.js';
import { parseSweepFile } from '../../src/sweep/schema.js';
import { modeId, type RunSpec } from '../../src/train/run-spec.js';

const expand = (group: (typeof DATASET_GROUPS)[number]) => expandRuns(parseSweepFile(paperPreset(group)));
const distinct = <T>(runs: RunSpec[], f: (r: RunSpec) => T) => [...new Set(runs.map(f))];

describe('the paper preset', () => {
  for (const group of DATASET_GROUPS.filter((g) => g !== 'cifar10')) {
    it(`expands to 160 standard + 960 robust runs for ${group}`, () => {
      const runs = expand(group);
      expect(runs).toHaveLength(1120);
      expect(runs.filter((r) => r.mode.kind === 'standard')).toHaveLength(160);
      expect(new Set(runs.map((r) => r.runId)).size).toBe(1120);
      expect(distinct(runs, (r) => r.dataset.R)).toEqual([1, 2, 5, 10]);
      expect(distinct(runs, (r) => r.seed)).toEqual([2, 22, 42, 62, 82]);
      expect(distinct(runs, (r) => r.learningRate)).toEqual([
        0.1, 0.05, 0.01, 0.005, 0.001, 5e-4, 2e-4, 1e-4,
      ]);
      expect(distinct(runs, (r) => [r.maxEpochs, r.patience, r.batchSize].join())).toEqual(['500,50,64']);
      expect(distinct(runs, (r) => r.objective)).toEqual(['clean']);
      expect(distinct(runs, (r) => (r.mode.kind === 'standard' ? 'standard' : r.mode.method.name))).toEqual([
        'standard',
        'one-step',
      ]);
    });
  }

  it('uses the protocol radii, model and optimiser of each group', () => {
    const modes = (group: (typeof DATASET_GROUPS)[number]) => distinct(expand(group), (r) => modeId(r.mode));
    expect(modes('gaussian')).toEqual([
      'standard',
      'l2-5',
      'l2-3.75',
      'l2-2.5',
      'linf-1',
      'linf-0.75',
      'linf-0.5',
    ]);
    expect(modes('mnist')).toContain('linf-0.4341');
    expect(distinct(expand('holtsmark'), (r) => `${r.model}/${r.optimizer}`)).toEqual(['linear/adam']);
    expect(distinct(expand('fmnist'), (r) => `${r.model}/${r.optimizer}`)).toEqual(['linear/sgd']);
    expect(distinct(expand('cifar10'), (r) => `${r.model}/${r.optimizer}`)).toEqual(['mlp/sgd-momentum']);
  });

  it('expands cifar10 to 160 standard + 600 PGD runs on the 5 small learning rates', () => {
    const runs = expand('cifar10');
    const robust = runs.filter((r) => r.mode.kind === 'adversarial');
    expect(runs).toHaveLength(760);
    expect(robust).toHaveLength(600);
    expect(distinct(robust, (r) => r.learningRate)).toEqual([0.005, 0.001, 5e-4, 2e-4, 1e-4]);
    const linf = robust.find(
      (r) => r.mode.kind === 'adversarial' && r.mode.norm === 'linf' && r.mode.eps === 0.0305,
    );
    expect(linf?.mode).toEqual({
      kind: 'adversarial',
      norm: 'linf',
      eps: 0.0305,
      method: { name: 'pgd', steps: 40, stepSize: 0.0305 / 30 },
    });
    const l2 = robust.find(
      (r) => r.mode.kind === 'adversarial' && r.mode.norm === 'l2' && r.mode.eps === 0.88,
    );
    expect(l2?.mode.kind === 'adversarial' && l2.mode.method).toEqual({
      name: 'pgd',
      steps: 50,
      stepSize: 0.88 / 20,
    });
  });
});

describe('the paper preset for all groups', () => {
  const all = expandRuns(parseSweepFile(paperPreset('all')));

  it('is the six groups of figure 1 in one sweep: 6,360 runs', () => {
    expect(all).toHaveLength(6360);
    expect(new Set(all.map((r) => r.runId)).size).toBe(6360);
  });

  it("holds, group by group, exactly the runs of that group's own preset", () => {
    for (const group of DATASET_GROUPS) {
      expect(all.filter((r) => r.dataset.group === group)).toEqual(expand(group));
    }
  });

  it('takes the fidelity and objective choices, the objective defaulting to the fidelity’s', () => {
    const reference = expandRuns(parseSweepFile(paperPreset('all', { fidelity: 'reference' })));
    expect(distinct(reference, (r) => `${r.fidelity}/${r.objective}`)).toEqual(['reference/reference']);
    expect(reference.every((r) => r.runId.includes('-reference-'))).toBe(true);
    const mixed = expandRuns(
      parseSweepFile(paperPreset('all', { fidelity: 'reference', objective: 'clean' })),
    );
    expect(distinct(mixed, (r) => `${r.fidelity}/${r.objective}`)).toEqual(['reference/clean']);
    expect(distinct(all, (r) => `${r.fidelity}/${r.objective}`)).toEqual(['adgap/clean']);
  });
});
