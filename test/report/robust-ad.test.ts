import { expect, it } from 'vitest';
import { buildReport } from '../../src/report/report.js';
import type { RunResult } from '../../src/results/run-result.js';
import type { TrainingMode } from '../../src/train/modes.js';
import type { SplitMetrics } from '../../src/train/result.js';
import { linearRun } from '../support/run-spec.js';

const metrics = (correct: [number, number]): SplitMetrics => ({ loss: 0.5, correct, total: [100, 100] });
const attack = { norm: 'linf', eps: 0.5, method: { name: 'one-step' } } as const;

function result(mode: TrainingMode, robust?: [number, number]): RunResult {
  const run = linearRun({
    runId: mode.kind,
    dataset: { group: 'gaussian', R: 2, dataSeed: 0, sizes: { train: 10, validation: 10, test: 10 } },
    maxEpochs: 1,
    patience: 1,
    mode,
  });
  const clean = metrics([90, 80]);
  return {
    schemaVersion: 3,
    sweepId: 's',
    run,
    engine: 'tfjs',
    backend: 'cpu',
    epochsRun: 1,
    bestEpoch: 1,
    runWallSeconds: 1,
    cellWallSeconds: 1,
    finishedAt: '',
    metrics: {
      validation: clean,
      testImbalanced: clean,
      testBalanced: clean,
      ...(robust && {
        robust: {
          trainingAttack: { attack, testBalanced: metrics(robust) },
          pgd: { attack, testBalanced: metrics([robust[0] - 10, robust[1] - 30]) },
        },
      }),
    },
  };
}

it('reports robust AD under the training attack and under PGD on robust rows only', () => {
  const runs = [result({ kind: 'standard' }), result({ kind: 'adversarial', ...attack }, [70, 40])];
  const report = buildReport({
    sweepId: 's',
    runs: runs.map((r) => r.run),
    results: new Map(runs.map((r) => [r.run.runId, r])),
  });
  const [standard, robust] = report.rows;
  expect(standard?.robustAd).toBeNull();
  expect(robust?.robustAd?.mean).toBeCloseTo(0.3, 12);
  expect(robust?.robustAdPgd?.mean).toBeCloseTo(0.5, 12);
});
