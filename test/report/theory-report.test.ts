import { describe, expect, it } from 'vitest';
import { reportTable } from '../../src/report/format.js';
import { reportHtml } from '../../src/report/html.js';
import { buildReport, type Report } from '../../src/report/report.js';
import type { RunResult } from '../../src/results/run-result.js';
import { expandRuns } from '../../src/sweep/expand.js';
import { parseSweepFile } from '../../src/sweep/schema.js';
import type { RunSpec } from '../../src/train/run-spec.js';

// The heavy-tailed groups at their protocol radii (the largest of each norm) and one radius that leaves cauchy
// a margin; R = 1, 2, 5 and 10 (docs/theory.md).
const runs = expandRuns(
  parseSweepFile({
    name: 'heavy',
    datasets: [
      { group: 'cauchy', modes: [{ norm: 'l2', eps: [70, 2.5] }] },
      {
        group: 'holtsmark',
        modes: [
          { norm: 'l2', eps: [2.94] },
          { norm: 'linf', eps: [0.555] },
        ],
      },
    ],
    R: [1, 2, 5, 10],
    seeds: [2],
    learningRates: [0.001],
    epochs: 5,
    modes: ['standard'],
  }),
);

/** Any result: the rows' theory depends on the runs alone, the table and the page need measured rows. */
function resultOf(run: RunSpec): RunResult {
  const metrics = { loss: 0.5, correct: [90, 60] as [number, number], total: [100, 100] as [number, number] };
  return {
    schemaVersion: 3,
    sweepId: 'heavy-00000000',
    run,
    engine: 'linear-cpu',
    backend: 'wasm-simd',
    epochsRun: 5,
    bestEpoch: 5,
    runWallSeconds: 1,
    cellWallSeconds: 1,
    finishedAt: '2026-01-01T00:00:00.000Z',
    metrics: { validation: metrics, testImbalanced: metrics, testBalanced: metrics },
  };
}

const report: Report = buildReport({
  sweepId: 'heavy-00000000',
  runs,
  results: new Map(runs.map((r) => [r.runId, resultOf(r)])),
});
const theoryOf = (group: string, R: number, mode: string) =>
  report.rows.find((r) => r.group === group && r.R === R && r.mode === mode)?.theory;

describe('theory in the report rows of the heavy-tailed groups', () => {
  it('holtsmark: a threshold rule at R = 2, the robust rule trivial at R = 5, both at R = 10', () => {
    expect(theoryOf('holtsmark', 1, 'l2-2.94')?.adGap).toBeCloseTo(0, 12);
    expect(theoryOf('holtsmark', 2, 'l2-2.94')?.adGap).toBeCloseTo(0.1403, 4);
    expect(theoryOf('holtsmark', 5, 'linf-0.555')?.trivial).toEqual({ standard: false, robust: true });
    expect(theoryOf('holtsmark', 10, 'l2-2.94')).toMatchObject({
      adGap: 0,
      trivial: { standard: true, robust: true },
    });
  });

  it('cauchy: none where theory leaves the rule undetermined (R = 1 without margin, the tie at R = 2)', () => {
    expect(theoryOf('cauchy', 1, 'l2-70')).toBeNull();
    expect(theoryOf('cauchy', 1, 'l2-2.5')?.adGap).toBe(0);
    expect(theoryOf('cauchy', 2, 'l2-2.5')).toBeNull();
    expect(theoryOf('cauchy', 5, 'l2-70')).toMatchObject({ ad: 1, adGap: 0, accuracyGap: 0 });
  });

  it('none for the standard rows, the reference fidelity or a PGD attack', () => {
    expect(theoryOf('holtsmark', 5, 'standard')).toBeNull();
    const pgd = expandRuns(
      parseSweepFile({
        name: 'heavy-pgd',
        datasets: ['holtsmark'],
        R: [5],
        seeds: [2],
        learningRates: [0.001],
        modes: ['standard', { norm: 'l2', eps: [2.94], attack: 'pgd' }],
        fidelity: ['adgap', 'reference'],
      }),
    );
    expect(
      buildReport({ sweepId: 'p', runs: pgd, results: new Map() }).rows.every((row) => row.theory === null),
    ).toBe(true);
  });
});

describe('the terminal and HTML reports say where theory predicts the trivial rule', () => {
  it('the table, one line per dataset and R', () => {
    const table = reportTable(report);
    expect(table).toContain(
      'holtsmark R 10: theory predicts the trivial rule (the majority everywhere, AD 1) for the standard rule and the robust rules of l2-2.94, linf-0.555 (docs/theory.md)',
    );
    expect(table).toContain(
      'holtsmark R 5: theory predicts the trivial rule (the majority everywhere, AD 1) for the robust rules of l2-2.94, linf-0.555',
    );
    expect(table).toContain(
      'cauchy R 5: theory predicts the trivial rule (the majority everywhere, AD 1) for the standard rule and the robust rules of l2-70, l2-2.5 (',
    );
    // Cauchy R = 2 has no theory (the standard rule ties), R = 1 none trivial.
    expect(table).not.toMatch(/(holtsmark|cauchy) R [12]: theory/);
  });

  it('the page, under each group’s table', async () => {
    const html = await reportHtml(report);
    const holtsmark = /<section data-dataset="holtsmark[^"]*">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    expect(holtsmark.match(/<p class="note" data-theory-note>/g)).toHaveLength(2);
    expect(holtsmark).toContain('<p class="note" data-theory-note>R 5: theory predicts the trivial rule');
    expect(html).toContain('the prediction for the optimal linear rules (docs/theory.md)');
  });
});
