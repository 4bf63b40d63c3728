import { describe, expect, it, test } from 'vitest';
import { DEFAULT_SYNTHETIC_PARAMS } from '../../src/datasets/types.js';
import {
  estimateGpuWallTime,
  estimateWallTime,
  formatHoursMinutes,
  type MeasuredRate,
  usableRates,
} from '../../src/sweep/wall-time.js';
import type { RunSpec } from '../../src/train/run-spec.js';
import { linearRun } from '../support/run-spec.js';

const rate = (
  features: number,
  ms: number,
  attack: MeasuredRate['attack'] = 'one-step',
  msPerRunEvaluation = 0,
): MeasuredRate => ({
  case: `c${features}`,
  engine: 'linear-cpu',
  backend: 'wasm-simd',
  model: 'linear',
  features,
  trainSamples: 8000,
  attack,
  gradientPasses: attack === 'one-step' ? 2 : 1,
  msPerModelEpoch: ms,
  evaluationSamples: 2000,
  msPerRunEvaluation,
  measuredAt: '2026-11-25T00:00:00.000Z',
});

const run = (R: number, dim = 100): RunSpec =>
  linearRun({
    runId: `r${R}`,
    dataset: {
      group: 'gaussian',
      R,
      dataSeed: 0,
      sizes: { train: 4000, validation: 1000, test: 1000 },
      synthetic: { ...DEFAULT_SYNTHETIC_PARAMS, dim },
    },
    maxEpochs: 500,
    patience: 50,
    mode: { kind: 'adversarial', norm: 'linf', eps: 0.5, method: { name: 'one-step' } },
  });

describe('the wall-time estimate', () => {
  it('is the measured rate times max epochs for a run of the measured shape', () => {
    const estimate = estimateWallTime([run(1)], [rate(100, 20)], () => 'linear-cpu');
    expect(estimate.maxSeconds).toBeCloseTo(10, 9);
    expect(estimate.unratedRuns).toBe(0);
  });

  it('scales with training samples and features, from the rate measured nearest in features', () => {
    // R = 2: 4000 + 2000 samples, 3/4 of the measured 8000; 200 features take the 100-d rate, doubled.
    const estimate = estimateWallTime([run(2, 200)], [rate(784, 1), rate(100, 20)], () => 'linear-cpu');
    expect(estimate.maxSeconds).toBeCloseTo(10 * 0.75 * 2, 9);
    expect(estimate.ratesUsed.map((r) => r.features)).toEqual([100]);
  });

  it("adds each run's final evaluation once, scaled by balanced test samples and features", () => {
    // 500 epochs x 20 ms, plus 400 ms of evaluation measured on 2000 samples of 100 features: this run's
    // balanced test set has 2000 samples of 200 features, twice the work.
    const estimate = estimateWallTime([run(1, 200)], [rate(100, 20, 'one-step', 400)], () => 'linear-cpu');
    expect(estimate.maxSeconds).toBeCloseTo(10 * 2 + 0.4 * 2, 9);
  });

  it('counts runs without a rate for their engine, model and attack instead of guessing', () => {
    const estimate = estimateWallTime([run(1), run(1)], [rate(100, 20, 'standard')], () => 'linear-cpu');
    expect(estimate).toEqual({ maxSeconds: 0, unratedRuns: 2, ratesUsed: [] });
    expect(estimateWallTime([run(1)], [rate(100, 20)], () => 'tfjs').unratedRuns).toBe(1);
  });
});

describe('the GPU queue estimate', () => {
  const mlp = (R: number): RunSpec => ({
    ...run(R, 3072),
    model: 'mlp',
    mode: {
      kind: 'adversarial',
      norm: 'linf',
      eps: 0.03,
      method: { name: 'pgd', steps: 40, stepSize: 0.001 },
    },
  });
  const cudaRate: MeasuredRate = {
    ...rate(3072, 8, 'pgd', 400),
    engine: 'cuda',
    backend: 'cuda NVIDIA H200 (sm_90)',
    model: 'mlp',
    gradientPasses: 41,
  };

  it('is unmeasured, with nothing counted, while only CPU rates exist', () => {
    const estimate = estimateGpuWallTime([mlp(1)], [{ ...cudaRate, engine: 'tfjs', backend: 'wasm' }]);
    expect(estimate).toMatchObject({ measured: false, maxSeconds: 0, unratedRuns: 1 });
  });

  it('takes the cuda rate for every run: 500 epochs of 8 ms and one evaluation of 0.4 s', () => {
    const estimate = estimateGpuWallTime([mlp(1)], [rate(3072, 1, 'pgd'), cudaRate]);
    expect(estimate.measured).toBe(true);
    expect(estimate.maxSeconds).toBeCloseTo(500 * 0.008 + 0.4, 9);
    expect(estimate.ratesUsed).toEqual([cudaRate]);
  });

  it('counts runs of a model without a cuda rate as unrated', () => {
    const estimate = estimateGpuWallTime([mlp(1), run(1)], [cudaRate]);
    expect(estimate.unratedRuns).toBe(1);
  });
});

describe('the wall-time format', () => {
  it('rounds up to the next minute and carries a full hour instead of printing 60 min', () => {
    expect(formatHoursMinutes(0)).toBe('0 h 0 min');
    expect(formatHoursMinutes(1)).toBe('0 h 1 min');
    expect(formatHoursMinutes(60)).toBe('0 h 1 min');
    expect(formatHoursMinutes(61)).toBe('0 h 2 min');
    expect(formatHoursMinutes(3540.5)).toBe('1 h 0 min');
    expect(formatHoursMinutes(3599.999)).toBe('1 h 0 min');
    expect(formatHoursMinutes(3600)).toBe('1 h 0 min');
    expect(formatHoursMinutes(3600.001)).toBe('1 h 1 min');
    // The case: 34,120 h less a few seconds was printed as "34119 h 60 min".
    expect(formatHoursMinutes(34120 * 3600 - 5)).toBe('34120 h 0 min');
  });
});

describe('the rates a rates file gives an estimate', () => {
  const good = rate(100, 20);

  test('are every valid, trusted rate, with nothing to say', () => {
    expect(usableRates(JSON.stringify([good, rate(784, 3)]))).toEqual({ rates: [good, rate(784, 3)] });
  });

  test('leave out a negative rate (issue 25: -340 ms per model-epoch) and say which entry and why', () => {
    const negative = { ...good, case: 'cifar-3072d-mlp-pgd40', msPerModelEpoch: -340 };
    const { rates, leftOut } = usableRates(JSON.stringify([good, negative]));
    expect(rates).toEqual([good]);
    expect(leftOut).toBe(
      '1 invalid (entry 2 (cifar-3072d-mlp-pgd40): msPerModelEpoch: Too small: expected number to be >0): counted as unmeasured',
    );
  });

  test('leave out rates the bench marked untrusted', () => {
    const marked = { ...rate(784, 3), untrusted: 'measured while other processes took 60% of the cores' };
    expect(usableRates(JSON.stringify([marked, good]))).toEqual({
      rates: [good],
      leftOut: '1 marked untrusted by the bench (entry 1 (c784)): counted as unmeasured',
    });
  });

  test('are none, with the reason, for a file that is not JSON or not a list, and nothing throws', () => {
    expect(usableRates('[{"case": ')).toMatchObject({
      rates: [],
      leftOut: expect.stringMatching(/^not JSON \(/),
    });
    expect(usableRates('{"case": "x"}')).toEqual({
      rates: [],
      leftOut: 'not a list of rates; no rate is used',
    });
    expect(usableRates('[null, 3]')).toMatchObject({
      rates: [],
      leftOut: expect.stringContaining('2 invalid'),
    });
  });
});
