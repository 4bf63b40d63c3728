import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/report.js';
import type { RunResult } from '../../src/results/run-result.js';
import { expandRuns } from '../../src/sweep/expand.js';
import { parseSweepFile } from '../../src/sweep/schema.js';
import type { SplitMetrics } from '../../src/train/result.js';
import type { RunSpec } from '../../src/train/run-spec.js';

const sweepFile = {
  name: 'hand',
  datasets: ['gaussian'],
  R: [1, 5],
  seeds: [2, 22, 42],
  learningRates: [0.1, 0.01],
  epochs: 5,
  modes: ['standard', { norm: 'linf', eps: [0.5] }],
};
const runs = expandRuns(parseSweepFile(sweepFile));
/** 2 R x 2 modes. */
const rowsPerFidelity = 4;

type Counts = [number, number];
/** Test-set correct counts of the model that selection must pick: [balanced, imbalanced] per (R, seed). */
const selectedCounts: Record<'standard' | 'linf-0.5', Record<number, Record<number, [Counts, Counts]>>> = {
  standard: {
    1: {
      2: [
        [90, 80],
        [91, 79],
      ],
      22: [
        [92, 86],
        [93, 85],
      ],
      42: [
        [88, 80],
        [87, 81],
      ],
    },
    5: {
      2: [
        [97, 70],
        [97, 14],
      ],
      22: [
        [96, 74],
        [96, 15],
      ],
      42: [
        [98, 66],
        [98, 13],
      ],
    },
  },
  'linf-0.5': {
    1: {
      2: [
        [85, 70],
        [84, 71],
      ],
      22: [
        [90, 78],
        [90, 77],
      ],
      42: [
        [80, 70],
        [81, 69],
      ],
    },
    5: {
      2: [
        [99, 60],
        [99, 12],
      ],
      22: [
        [97, 62],
        [97, 12],
      ],
      42: [
        [99, 50],
        [99, 10],
      ],
    },
  },
};
/** Seed 22 selects the smaller learning rate, the others the larger one. */
const selectedLearningRate = (seed: number) => (seed === 22 ? 0.01 : 0.1);

function metrics(loss: number, correct: Counts, total: Counts): SplitMetrics {
  return { loss, correct, total };
}

function resultOf(run: RunSpec): RunResult {
  const mode = run.mode.kind === 'standard' ? 'standard' : 'linf-0.5';
  const selected = run.learningRate === selectedLearningRate(run.seed);
  const imbalancedTotal: Counts = [100, run.dataset.R === 1 ? 100 : 20];
  // The model selection must not pick: worse validation loss and very different test counts.
  const counts = selectedCounts[mode][run.dataset.R]?.[run.seed];
  if (!counts) throw new Error(`no counts for R=${run.dataset.R} seed=${run.seed}`);
  const [balanced, imbalanced] = selected
    ? counts
    : ([
        [50, 50],
        [50, 5],
      ] as [Counts, Counts]);
  return {
    schemaVersion: 3,
    sweepId: 'hand-00000000',
    run,
    engine: 'tfjs',
    backend: 'wasm',
    epochsRun: 5,
    bestEpoch: 5,
    runWallSeconds: 1,
    cellWallSeconds: 1,
    finishedAt: '2026-01-01T00:00:00.000Z',
    metrics: {
      validation: metrics(selected ? 0.2 : 0.3, [0, 0], [1, 1]),
      testImbalanced: metrics(0, imbalanced, imbalancedTotal),
      testBalanced: metrics(0, balanced, [100, 100]),
    },
  };
}

const allResults = new Map(runs.map((r) => [r.runId, resultOf(r)]));
const row = (report: ReturnType<typeof buildReport>, R: number, mode: string) =>
  report.rows.find((r) => r.R === R && r.mode === mode);

describe('buildReport', () => {
  const report = buildReport({ sweepId: 'hand-00000000', runs, results: allResults });

  it('selects, per seed, the learning rate with the lowest validation loss', () => {
    expect(row(report, 5, 'linf-0.5')?.selectedLearningRates).toEqual({ '2': 0.1, '22': 0.01, '42': 0.1 });
  });

  it('computes AD of the selected standard models: mean and population stderr over seeds', () => {
    // R=1: AD = 0.10, 0.06, 0.08
    expect(row(report, 1, 'standard')?.ad?.mean).toBeCloseTo(0.08, 10);
    expect(row(report, 1, 'standard')?.ad?.stderr).toBeCloseTo(0.009428090415820637, 10);
    expect(row(report, 1, 'standard')?.adGap).toBeNull();
  });

  it('computes the gap of AD paired by (R, seed)', () => {
    // R=1: robust AD 0.15, 0.12, 0.10 minus standard 0.10, 0.06, 0.08 = 0.05, 0.06, 0.02
    expect(row(report, 1, 'linf-0.5')?.adGap).toEqual({
      mean: expect.closeTo(0.043333333333333335, 10),
      stderr: expect.closeTo(0.009813067629253162, 10),
      n: 3,
    });
    // R=5: 0.39 - 0.27, 0.35 - 0.22, 0.49 - 0.32 = 0.12, 0.13, 0.17
    expect(row(report, 5, 'linf-0.5')?.adGap?.mean).toBeCloseTo(0.14, 10);
    expect(row(report, 5, 'linf-0.5')?.adGap?.stderr).toBeCloseTo(0.012472191289246471, 10);
  });

  it('computes the gap of standard accuracy on the imbalanced test set, paired by seed', () => {
    // R=5: (111 - 111)/120, (111 - 109)/120, (111 - 109)/120
    expect(row(report, 5, 'linf-0.5')?.accuracyGap?.mean).toBeCloseTo(0.011111111111111112, 10);
    expect(row(report, 5, 'linf-0.5')?.accuracyGap?.stderr).toBeCloseTo(0.004536092116265145, 10);
    expect(row(report, 1, 'linf-0.5')?.accuracyGap?.mean).toBeCloseTo(0.07333333333333333, 10);
  });

  it('counts every run and reports none missing when all are finished', () => {
    expect(report.runs).toEqual({ expected: 24, finished: 24, failed: 0 });
    expect(report.missingRunIds).toEqual([]);
  });

  it('reports a missing learning rate as a missing seed instead of selecting from a partial grid', () => {
    const missing = runs.find(
      (r) => r.dataset.R === 5 && r.seed === 22 && r.mode.kind === 'standard' && r.learningRate === 0.01,
    );
    const partial = new Map(allResults);
    partial.delete(missing?.runId as string);
    const failed = new Set([missing?.runId as string]);
    const partialReport = buildReport({
      sweepId: 'hand-00000000',
      runs,
      results: partial,
      failedRunIds: failed,
    });
    expect(partialReport.missingRunIds).toEqual([missing?.runId]);
    expect(partialReport.runs).toEqual({ expected: 24, finished: 23, failed: 1 });
    // The robust row of R=5 loses its seed-22 baseline, so its gaps use seeds 2 and 42 only: 0.12 and 0.17.
    const robust = row(partialReport, 5, 'linf-0.5');
    expect(robust?.seedsMissing).toEqual([22]);
    expect(robust?.adGap?.n).toBe(2);
    expect(robust?.adGap?.mean).toBeCloseTo(0.145, 10);
  });

  it('never selects a learning rate whose validation loss is NaN, in memory or as stored (JSON null)', () => {
    for (const diverged of [Number.NaN, null as unknown as number]) {
      const nan = new Map(allResults);
      for (const run of runs.filter((r) => r.seed === 2 && r.learningRate === 0.1)) {
        const r = nan.get(run.runId) as RunResult;
        nan.set(run.runId, {
          ...r,
          metrics: { ...r.metrics, validation: { ...r.metrics.validation, loss: diverged } },
        });
      }
      expect(
        row(buildReport({ sweepId: 'hand-00000000', runs, results: nan }), 1, 'standard')
          ?.selectedLearningRates['2'],
      ).toBe(0.01);
    }
  });

  it('keeps the rows of two fidelities apart, each gap paired with the standard row of its own fidelity', () => {
    const both = expandRuns(parseSweepFile({ ...sweepFile, fidelity: ['adgap', 'reference'] }));
    // The reference fidelity's models are the adgap ones with 10 more minority-class errors on the balanced set.
    const results = new Map(
      both.map((run) => {
        const result = resultOf(run);
        if (run.fidelity === 'adgap') return [run.runId, result];
        const { correct } = result.metrics.testBalanced;
        const fewer: Counts = [correct[0], correct[1] - (run.mode.kind === 'standard' ? 0 : 10)];
        const testBalanced = { ...result.metrics.testBalanced, correct: fewer };
        return [run.runId, { ...result, metrics: { ...result.metrics, testBalanced } }];
      }),
    );
    const report = buildReport({ sweepId: 'hand-00000000', runs: both, results });
    const at = (fidelity: string) =>
      report.rows.find((r) => r.R === 1 && r.mode === 'linf-0.5' && r.fidelity === fidelity);
    expect(report.rows).toHaveLength(2 * rowsPerFidelity);
    expect(at('adgap')).toMatchObject({ objective: 'clean', adGap: { mean: expect.closeTo(0.0433333, 6) } });
    // 10 more minority errors out of 100 add 0.1 to AD and so to the gap against the unchanged standard row.
    expect(at('reference')).toMatchObject({
      objective: 'reference',
      adGap: { mean: expect.closeTo(0.1433333, 6) },
    });
  });

  it('reports per-class, worst-class and boundary-error figures of the selected models over seeds', () => {
    // Each robust model loses 10 majority and 30 minority samples of 100 to evaluation PGD.
    const withRobust = new Map(
      [...allResults].map(([id, result]) => {
        if (result.run.mode.kind === 'standard') return [id, result];
        const { correct, total } = result.metrics.testBalanced;
        const attacked = { loss: 1, correct: [correct[0] - 10, correct[1] - 30] as Counts, total };
        const evaluation = {
          attack: { norm: 'linf' as const, eps: 0.5, method: { name: 'one-step' as const } },
        };
        const robust = {
          trainingAttack: { ...evaluation, testBalanced: attacked },
          pgd: { ...evaluation, testBalanced: attacked },
        };
        return [id, { ...result, metrics: { ...result.metrics, robust } }];
      }),
    );
    const report = buildReport({ sweepId: 'hand-00000000', runs, results: withRobust });
    // R=1 standard, balanced: (90, 80), (92, 86), (88, 80) of 100 per class; the minority is the worse class.
    const standard = row(report, 1, 'standard');
    expect(standard?.cleanAccuracy.map((v) => v?.mean)).toEqual([
      expect.closeTo(0.9, 10),
      expect.closeTo(0.82, 10),
    ]);
    expect(standard?.worstClassCleanAccuracy?.mean).toBeCloseTo(0.82, 10);
    expect(standard?.robustAccuracy).toEqual([null, null]);
    expect(standard?.worstClassRobustAccuracy).toBeNull();
    // R=1 linf-0.5: clean (85, 70), (90, 78), (80, 70); robust (75, 40), (80, 48), (70, 40).
    const robust = row(report, 1, 'linf-0.5');
    expect(robust?.robustAccuracy.map((v) => v?.mean)).toEqual([
      expect.closeTo(0.75, 10),
      expect.closeTo(0.4266666666666667, 10),
    ]);
    expect(robust?.boundaryError.map((v) => v?.mean)).toEqual([
      expect.closeTo(0.1, 10),
      expect.closeTo(0.3, 10),
    ]);
    expect(robust?.worstClassRobustAccuracy?.mean).toBeCloseTo(0.4266666666666667, 10);
    expect(robust?.worstClassCleanAccuracy?.mean).toBeCloseTo(0.7266666666666667, 10);
  });
});
