import { describe, expect, test } from 'vitest';
import {
  epochRate,
  fairPeer,
  machineTicks,
  mergeRates,
  multiplyAddsPerModelEpoch,
  otherWorkShare,
  processTicks,
} from '../../bench/trust.js';
import type { MeasuredRate } from '../../src/sweep/wall-time.js';

describe("the bench's rate of a cell", () => {
  test('is the fastest long call minus the fastest short one, per extra model-epoch', () => {
    // 40 models, 3 extra epochs: (1,500 - 300) ms / 120 model-epochs.
    const rate = epochRate({
      oneEpochMs: [310, 300, 305],
      manyEpochsMs: [1500, 1530, 1510],
      models: 40,
      extraEpochs: 3,
    });
    expect(rate).toEqual({ trusted: true, msPerModelEpoch: 10, noiseShare: (10 + 30) / 1200 });
  });

  test('is refused when the long call was no slower than the short one (the negative rate of issue 25)', () => {
    const rate = epochRate({
      oneEpochMs: [2000, 2100],
      manyEpochsMs: [1660, 2400],
      models: 40,
      extraEpochs: 1,
    });
    expect(rate.trusted).toBe(false);
    expect(rate).toMatchObject({ reason: '2 epochs took no longer than 1 (1660 against 2000 ms)' });
  });

  test('is refused when the repeats spread by more than a fifth of what the extra epochs took', () => {
    const rate = epochRate({ oneEpochMs: [300, 420], manyEpochsMs: [900, 950], models: 40, extraEpochs: 3 });
    // 600 ms of difference, 120 + 50 ms of spread: 28%.
    expect(rate).toMatchObject({
      trusted: false,
      msPerModelEpoch: 5,
      reason:
        'the repeats spread by 170 ms, 28% of the 600 ms the extra epochs took (at most 20% is trusted)',
    });
    // The same difference with a fifth of it in spread is trusted.
    expect(
      epochRate({ oneEpochMs: [300, 360], manyEpochsMs: [900, 960], models: 40, extraEpochs: 3 }),
    ).toMatchObject({
      trusted: true,
    });
  });
});

describe('the share of the machine other work took', () => {
  const stat = (user: number, system: number, idle: number, steal = 0) =>
    `cpu  ${user} 0 ${system} ${idle} 0 0 0 ${steal} 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n`;

  test("is the busy time beyond the bench's own, over the machine's time, with steal counted as busy", () => {
    const before = { ...machineTicks(stat(1000, 100, 5000)), own: 200 };
    // 400 ticks passed on the machine: 150 busy + 50 stolen, of which the bench's own 100.
    const after = { ...machineTicks(stat(1120, 130, 5200, 50)), own: 300 };
    expect(otherWorkShare(before, after)).toBeCloseTo(100 / 400, 12);
  });

  test('is 0 when only the bench worked, and never below 0 (ticks are counted at different moments)', () => {
    const before = { machineBusy: 100, machineTotal: 1000, own: 50 };
    expect(otherWorkShare(before, { machineBusy: 300, machineTotal: 1200, own: 260 })).toBe(0);
  });

  test("a process's ticks are its own and its waited-for children's, whatever its name holds", () => {
    const line = '4242 (node (bench) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 30 20 20 0 9 0 1 2 3';
    expect(processTicks(line)).toBe(250 + 50 + 30 + 20);
  });
});

describe('the PyTorch peer', () => {
  test('on OpenBLAS, MKL or BLIS is fair; on the reference BLAS or an unknown one no ratio is printed', () => {
    expect(
      fairPeer({ kind: 'openblas', library: '/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3' }),
    ).toEqual({
      fair: true,
    });
    expect(fairPeer({ kind: 'mkl', library: 'linked into torch (BLAS_INFO=mkl)' })).toEqual({ fair: true });
    expect(
      fairPeer({ kind: 'reference', library: '/usr/lib/x86_64-linux-gnu/blas/libblas.so.3' }),
    ).toMatchObject({
      fair: false,
      reason: expect.stringContaining('reference BLAS (/usr/lib/x86_64-linux-gnu/blas/libblas.so.3)'),
    });
    expect(fairPeer({ kind: 'unknown', library: 'no BLAS library loaded' }).fair).toBe(false);
  });
});

test("a model-epoch's multiply-adds: 2 products per gradient pass per training sample; per validation sample 1, and under an attack its steps' 2 each and 1 more", () => {
  // The cifar PGD-10 case: 64 + 16 samples, 3072 x 200, 11 passes: (64 x 22 + 16 x (1 + 2 x 10 + 1)) x 614,400.
  const adversarial = {
    features: 3072,
    width: 200,
    trainSamples: 64,
    validationSamples: 16,
    gradientPasses: 11,
  };
  expect(multiplyAddsPerModelEpoch(adversarial)).toBe((64 * 22 + 16 * 22) * 3072 * 200);
  // Standard training: one pass a training sample, the clean validation loss alone.
  expect(multiplyAddsPerModelEpoch({ ...adversarial, gradientPasses: 1 })).toBe((64 * 2 + 16) * 3072 * 200);
});

describe('bench/rates.json after a sitting', () => {
  const rate = (name: string, ms: number, extra: Partial<MeasuredRate> = {}): MeasuredRate => ({
    case: name,
    engine: 'mlp-cpu',
    backend: 'native-avx512',
    model: 'mlp',
    features: 3072,
    trainSamples: 64,
    attack: 'pgd',
    gradientPasses: 11,
    msPerModelEpoch: ms,
    evaluationSamples: 64,
    msPerRunEvaluation: 10,
    measuredAt: '2026-12-07T00:00:00.000Z',
    ...extra,
  });

  test('takes the new rate of a case, keeps the cases not rerun and other engines', () => {
    const cuda = rate('a', 1, { engine: 'cuda', backend: 'cuda H200 (sm_90)' });
    const merged = mergeRates([rate('a', 30), rate('b', 40), cuda], [rate('a', 20)]);
    expect(merged).toEqual([rate('b', 40), cuda, rate('a', 20)]);
  });

  test('never lets an untrusted rate replace a trusted one, but fills a gap with it', () => {
    const loaded = { untrusted: 'measured while other processes took 60% of the cores' };
    expect(mergeRates([rate('a', 30)], [rate('a', 90, loaded)])).toEqual([rate('a', 30)]);
    expect(mergeRates([], [rate('a', 90, loaded)])).toEqual([rate('a', 90, loaded)]);
    expect(mergeRates([rate('a', 90, loaded)], [rate('a', 30)])).toEqual([rate('a', 30)]);
  });
});
