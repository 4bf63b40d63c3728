import { describe, expect, it } from 'vitest';
import { columnsOf } from '../../src/report/columns.js';
import { reportHtml } from '../../src/report/html.js';
import { buildReport, type ReportRow } from '../../src/report/report.js';
import type { RunResult } from '../../src/results/run-result.js';
import { expandRuns } from '../../src/sweep/expand.js';
import { parseSweepFile } from '../../src/sweep/schema.js';
import type { CheckpointMetrics, SplitMetrics } from '../../src/train/result.js';
import { modeId, type RunSpec } from '../../src/train/run-spec.js';

/** One R, one seed, standard and linf 0.5, two learning rates: 4 runs whose checkpoints are written by hand. */
const runs = expandRuns(
  parseSweepFile({
    name: 'rules',
    datasets: ['gaussian'],
    R: [5],
    seeds: [2],
    learningRates: [0.1, 0.01],
    epochs: 5,
    modes: ['standard', { norm: 'linf', eps: [0.5] }],
  }),
);

/** A split with `minority` of 100 minority samples right and every majority sample right: AD = 1 - minority/100. */
const split = (loss: number | null, minority: number): SplitMetrics =>
  ({ loss, correct: [100, minority], total: [100, 100] }) as SplitMetrics;
const checkpoint = (
  epoch: number,
  loss: number,
  minority: number,
  robustLoss?: number | null,
): CheckpointMetrics =>
  ({
    epoch,
    ...(robustLoss === undefined ? {} : { robustValidationLoss: robustLoss }),
    validation: split(loss, minority),
    testImbalanced: split(null, minority),
    testBalanced: split(null, minority),
  }) as CheckpointMetrics;

/**
 * Per (mode, learning rate): the restored checkpoint (clean validation loss, minority correct), the robust-val and
 * last-epoch ones. Each rule picks another learning rate, so each row's AD says which checkpoint it read.
 */
const table: Record<
  string,
  Record<
    number,
    { restored: [number, number]; robust?: [number, number | null, number]; last: [number, number] }
  >
> = {
  standard: {
    0.1: { restored: [0.3, 90], last: [0.35, 88] },
    0.01: { restored: [0.2, 92], last: [0.25, 91] },
  },
  'linf-0.5': {
    // clean-val: 0.01 (0.4 < 0.5), minority 85; robust-val: 0.1 (robust loss 0.6 < 0.9), minority 60;
    // last-epoch: 0.1 (0.45 < 0.55), minority 70.
    0.1: { restored: [0.5, 80], robust: [0.7, 0.6, 60], last: [0.45, 70] },
    0.01: { restored: [0.4, 85], robust: [0.6, 0.9, 75], last: [0.55, 72] },
  },
};

function result(run: RunSpec, withCheckpoints: boolean): RunResult {
  const entry = table[modeId(run.mode)]?.[run.learningRate];
  if (!entry) throw new Error('no hand values');
  const [loss, minority] = entry.restored;
  const splits = {
    validation: split(loss, minority),
    testImbalanced: split(null, minority),
    testBalanced: split(null, minority),
  };
  const robust = entry.robust && checkpoint(3, entry.robust[0], entry.robust[2], entry.robust[1]);
  const lastEpoch = checkpoint(5, entry.last[0], entry.last[1]);
  return {
    schemaVersion: 3,
    sweepId: 'rules-0123abcd',
    run,
    engine: 'linear-cpu',
    backend: 'wasm-simd',
    epochsRun: 5,
    bestEpoch: 2,
    runWallSeconds: 1,
    cellWallSeconds: 1,
    metrics: splits,
    ...(withCheckpoints
      ? { checkpoints: robust ? { robustValidation: robust, lastEpoch } : { lastEpoch } }
      : {}),
    finishedAt: '2026-01-01T00:00:00.000Z',
  };
}

const results = (withCheckpoints: boolean) =>
  new Map(runs.map((run) => [run.runId, result(run, withCheckpoints)]));
const find = (rows: ReportRow[], selection: string, mode: string) =>
  rows.find((r) => r.selection === selection && r.mode === mode) as ReportRow;

describe('checkpoint-selection rules', () => {
  const report = buildReport({ sweepId: 'rules-0123abcd', runs, results: results(true) }, [
    'clean-val',
    'robust-val',
    'last-epoch',
  ]);

  it('builds the rows of each rule, in the order asked, each from its own checkpoints', () => {
    expect(report.rows.map((r) => `${r.selection} ${r.mode}`)).toEqual([
      'clean-val standard',
      'clean-val linf-0.5',
      'robust-val standard',
      'robust-val linf-0.5',
      'last-epoch standard',
      'last-epoch linf-0.5',
    ]);
    // clean-val: standard lr 0.01 (AD 0.08), linf lr 0.01 (AD 0.15): gap 0.07.
    expect(find(report.rows, 'clean-val', 'linf-0.5')).toMatchObject({
      selectedLearningRates: { '2': 0.01 },
    });
    expect(find(report.rows, 'clean-val', 'linf-0.5').adGap?.mean).toBeCloseTo(0.15 - 0.08, 12);
    // robust-val: linf picks lr 0.1 by its robust loss (AD 0.4); the standard baseline is clean-val's (0.08).
    expect(find(report.rows, 'robust-val', 'linf-0.5')).toMatchObject({
      selectedLearningRates: { '2': 0.1 },
    });
    expect(find(report.rows, 'robust-val', 'linf-0.5').adGap?.mean).toBeCloseTo(0.4 - 0.08, 12);
    expect(find(report.rows, 'robust-val', 'standard').ad?.mean).toBeCloseTo(0.08, 12);
    // last-epoch: standard lr 0.01 by its last clean loss (AD 0.09), linf lr 0.1 (AD 0.3).
    expect(find(report.rows, 'last-epoch', 'standard')).toMatchObject({
      selectedLearningRates: { '2': 0.01 },
    });
    expect(find(report.rows, 'last-epoch', 'linf-0.5').adGap?.mean).toBeCloseTo(0.3 - 0.09, 12);
    // The checkpoints carry clean metrics only: robust figures are not recorded for them.
    expect(find(report.rows, 'robust-val', 'linf-0.5').robustAd).toBeNull();
  });

  it('never lets a NaN robust loss (stored as null) win', () => {
    const nan = results(true);
    for (const run of runs.filter((r) => modeId(r.mode) === 'linf-0.5' && r.learningRate === 0.1)) {
      const stored = nan.get(run.runId) as RunResult;
      const robust = {
        ...(stored.checkpoints?.robustValidation as CheckpointMetrics),
        robustValidationLoss: null,
      };
      nan.set(run.runId, {
        ...stored,
        checkpoints: {
          lastEpoch: stored.checkpoints?.lastEpoch as CheckpointMetrics,
          robustValidation: robust as unknown as CheckpointMetrics,
        },
      });
    }
    const rows = buildReport({ sweepId: 'rules-0123abcd', runs, results: nan }, ['robust-val']).rows;
    expect(find(rows, 'robust-val', 'linf-0.5').selectedLearningRates).toEqual({ '2': 0.01 });
  });

  it('says "not recorded" for results written before the checkpoints, and leaves clean-val as it was', async () => {
    const old = buildReport({ sweepId: 'rules-0123abcd', runs, results: results(false) }, [
      'clean-val',
      'robust-val',
    ]);
    expect(find(old.rows, 'clean-val', 'linf-0.5').adGap?.mean).toBeCloseTo(0.07, 12);
    const robust = find(old.rows, 'robust-val', 'linf-0.5');
    expect(robust).toMatchObject({ ad: null, adGap: null, seedsMissing: [2], seedsNotRecorded: [2] });
    const seeds = columnsOf('short').find((c) => c.key === 'seeds');
    expect(seeds?.format.text(seeds.value(robust))).toBe('0 (not recorded 2)');
    // Standard runs need no checkpoint under robust-val (clean-val's), so the standard row is there.
    expect(find(old.rows, 'robust-val', 'standard').ad?.mean).toBeCloseTo(0.08, 12);
    const html = await reportHtml(old);
    expect(html).toMatch(/<th>robust-val<\/th>[\s\S]*?<td>not recorded<\/td>/);
  });

  it('marks the rule on each figure, compares the rules side by side, and names where measurement and theory part', async () => {
    const html = await reportHtml(report);
    for (const rule of ['clean-val', 'robust-val', 'last-epoch'])
      expect(html).toContain(`<section data-selection="${rule}">`);
    expect(html).toContain('Figure 1: selection by clean validation loss (the paper');
    expect(html).toContain('Figure 1: selection by robust validation loss');
    expect(html).toContain('<table data-table="selection-comparison"');
    // gaussian R 5 linf 0.5: theory +0.019; clean-val measures +0.07, robust-val +0.32: no shortfall, no note.
    expect(html).not.toContain('data-parting-note');
    const short = buildReport({ sweepId: 'rules-0123abcd', runs, results: results(true) }, ['clean-val']);
    const row = short.rows.find((r) => r.mode === 'linf-0.5') as ReportRow;
    row.theory = { ad: 0.5, adGap: 0.4, accuracyGap: 0.02, trivial: { standard: false, robust: false } };
    const parted = await reportHtml(short);
    expect(parted).toContain('Measurement and theory part: gap of AD R 5 linf-0.5 +0.070 against +0.400.');
    expect(parted).toContain('Selection by clean validation loss picks near-standard checkpoints');
  });
});
