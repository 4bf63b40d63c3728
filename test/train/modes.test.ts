import { describe, expect, test, vi } from 'vitest';
import { DEFAULT_SPLIT_SIZES, DEFAULT_SYNTHETIC_PARAMS } from '../../src/datasets/types.js';
import { estimateWallTime, type MeasuredRate, ratesFileSchema } from '../../src/sweep/wall-time.js';
import { stackable } from '../../src/train/cell-schedule.js';
import type { ModeKind, TrainingMode } from '../../src/train/modes.js';
import { gradientPassesPerSample, modeId, modeKindOf, type RunSpec } from '../../src/train/run-spec.js';

/**
 * A kind of mode that exists only in this test: PGD restarted `restarts` times from new random starts (the
 * strongest of them kept), which costs restarts x steps attack gradients and the update's.
 */
type Restarts = { name: 'pgd-restarts'; steps: number; restarts: number; stepSize: number };

// Its descriptor and its one line in the table of kinds (modes.ts's MODE_KINDS).
vi.mock('../../src/train/modes.js', async (importOriginal) => {
  const modes = await importOriginal<typeof import('../../src/train/modes.js')>();
  // The mode type knows only the real kinds (a new kind would add its method to AttackMethod).
  const restartsOf = (mode: TrainingMode) => (mode as unknown as { method: Restarts }).method;
  const restarts: ModeKind = {
    name: 'pgd-restarts',
    describes: (mode): mode is TrainingMode =>
      mode.kind === 'adversarial' && (mode.method.name as string) === 'pgd-restarts',
    id: (mode) =>
      mode.kind === 'adversarial'
        ? `${mode.norm}-${mode.eps}-pgd${restartsOf(mode).steps}x${restartsOf(mode).restarts}`
        : '',
    gradientPasses: (mode) => restartsOf(mode).restarts * restartsOf(mode).steps + 1,
    adversarial: true,
  };
  return { ...modes, MODE_KINDS: [...modes.MODE_KINDS, restarts] };
});

const restartsMode = {
  kind: 'adversarial',
  norm: 'linf',
  eps: 0.5,
  method: { name: 'pgd-restarts', steps: 5, restarts: 3, stepSize: 0.1 },
} as unknown as TrainingMode;

const run: RunSpec = {
  runId: 'r',
  dataset: {
    group: 'gaussian',
    R: 1,
    dataSeed: 0,
    sizes: DEFAULT_SPLIT_SIZES,
    synthetic: DEFAULT_SYNTHETIC_PARAMS,
  },
  model: 'linear',
  optimizer: 'adam',
  objective: 'clean',
  fidelity: 'adgap',
  learningRate: 0.01,
  seed: 2,
  maxEpochs: 5,
  patience: 5,
  batchSize: 64,
  mode: restartsMode,
};

describe('a kind of training mode added as a descriptor and one line of MODE_KINDS', () => {
  test('gives its modes their id and their cost in gradient passes', () => {
    expect(modeKindOf(restartsMode).name).toBe('pgd-restarts');
    expect(modeId(restartsMode)).toBe('linf-0.5-pgd5x3');
    expect(gradientPassesPerSample(restartsMode)).toBe(16);
  });

  test('says what a stacked cell can train of it: the clean objective, as for every adversarial kind', () => {
    expect(stackable(run)).toBe(true);
    expect(stackable({ ...run, objective: 'reference' })).toBe(false);
  });

  test('is a kind of measured rate, and a plan bounds its runs from that rate and its cost', () => {
    const rate: MeasuredRate = {
      case: 'gaussian, pgd with restarts',
      engine: 'tfjs',
      backend: 'wasm',
      model: 'linear',
      features: 100,
      // 4,000 majority + 4,000 minority samples at R = 1, 16 gradient passes: the run's own work.
      trainSamples: 8000,
      attack: 'pgd-restarts',
      gradientPasses: 16,
      msPerModelEpoch: 10,
      evaluationSamples: 2000,
      msPerRunEvaluation: 0,
      measuredAt: '2026-01-01T00:00:00Z',
    };
    expect(ratesFileSchema.parse([rate])).toEqual([rate]);
    expect(() => ratesFileSchema.parse([{ ...rate, attack: 'pgd-free' }])).toThrow();
    // 10 ms per model-epoch x 5 epochs, no evaluation cost.
    expect(estimateWallTime([run], [rate], () => 'tfjs')).toMatchObject({ maxSeconds: 0.05, unratedRuns: 0 });
  });
});
