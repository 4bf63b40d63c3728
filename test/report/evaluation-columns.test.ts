import { describe, expect, it } from 'vitest';
import { csvHeader, reportFields } from '../../src/report/columns.js';
import { parseEvaluations, rowEvaluations } from '../../src/report/evaluation-figures.js';
import { reportCsv, reportTable } from '../../src/report/format.js';
import { reportHtml } from '../../src/report/html.js';
import type { Report, ReportRow } from '../../src/report/report.js';
import type { EvaluationRecord } from '../../src/results/evaluations.js';
import type { RunResult } from '../../src/results/run-result.js';
import type { SplitMetrics } from '../../src/train/result.js';
import { robustnessEvaluation } from '../../src/train/robustness/evaluation.js';

const split = (correct: [number, number]): SplitMetrics => ({ loss: 0.5, correct, total: [100, 100] });

/** A selected run whose evaluation PGD left `pgd` correct, and its exact record leaving `exact`. */
function evaluated(runId: string, pgd: [number, number], exact: [number, number]) {
  const result = {
    run: { runId },
    metrics: {
      testBalanced: split([95, 80]),
      robust: {
        pgd: { attack: {}, testBalanced: split(pgd) },
        trainingAttack: { attack: {}, testBalanced: split(pgd) },
      },
    },
  } as unknown as RunResult;
  const ball = { norm: 'linf', eps: 0.5, clipToUnitBox: false } as const;
  const record: EvaluationRecord = {
    schemaVersion: 1,
    sweepId: 's-01234567',
    runId,
    evaluation: 'exact',
    weightsSha256: '0'.repeat(64),
    result: robustnessEvaluation(ball, { name: 'exact' }, split([95, 80]), split(exact)),
    wallSeconds: 0,
    evaluatedAt: '2026-01-01T00:00:00.000Z',
  };
  return { result, record };
}

describe('figures under an evaluation beyond PGD', () => {
  it('averages robust AD, its difference from PGD (paired by seed) and per-class robust accuracy over the seeds that have a record', () => {
    const a = evaluated('a', [90, 60], [88, 50]); // PGD AD 0.30, exact AD 0.38
    const b = evaluated('b', [80, 70], [80, 60]); // PGD AD 0.10, exact AD 0.20
    const c = evaluated('c', [70, 70], [70, 70]); // no record: not counted
    const figures = rowEvaluations(
      [a.result, b.result, c.result],
      new Map([
        [
          'exact',
          new Map([
            ['a', a.record],
            ['b', b.record],
          ]),
        ],
      ]),
    );
    const exact = figures.exact;
    expect(exact?.robustAd?.n).toBe(2);
    expect(exact?.robustAd?.mean).toBeCloseTo(0.29, 12);
    expect(exact?.robustAdMinusPgd?.mean).toBeCloseTo(0.09, 12);
    expect(exact?.robustAdMinusPgd?.stderr).toBeCloseTo(0.01 / Math.SQRT2, 12);
    expect(exact?.robustAccuracy[0]?.mean).toBeCloseTo(0.84, 12);
    expect(exact?.robustAccuracy[1]?.mean).toBeCloseTo(0.55, 12);
    expect(exact?.worstClassRobustAccuracy?.mean).toBeCloseTo(0.55, 12);
  });

  it('reads --evaluation as a comma-separated list and refuses an unknown name with what is allowed', () => {
    expect(parseEvaluations('pgd,exact,exact')).toEqual(['pgd', 'exact']);
    expect(() => parseEvaluations('pgd,autoattack')).toThrow(
      "evaluation: 'autoattack' is not an evaluation (allowed: pgd, exact, apgd, comma-separated)",
    );
  });
});

const ms = (mean: number) => ({ mean, stderr: 0.01, n: 2 });
const row: ReportRow = {
  dataset: 'gaussian-d0-abcdef',
  group: 'gaussian',
  datasetName: 'gaussian (dim 100, mean 1 on 25, scale 2)',
  selection: 'clean-val',
  R: 5,
  objective: 'clean',
  fidelity: 'adgap',
  mode: 'linf-0.5',
  ad: ms(0.25),
  robustAd: ms(0.3),
  robustAdPgd: ms(0.4),
  adGap: ms(-0.125),
  accuracyGap: ms(0.0625),
  cleanAccuracy: [ms(0.95), ms(0.7)],
  robustAccuracy: [ms(0.9), ms(0.5)],
  boundaryError: [ms(0.05), ms(0.2)],
  worstClassCleanAccuracy: ms(0.7),
  worstClassRobustAccuracy: ms(0.5),
  theory: null,
  seedsNotRecorded: [],
  evaluations: {
    exact: {
      robustAd: ms(0.45),
      robustAdMinusPgd: ms(0.05),
      robustAccuracy: [ms(0.88), ms(0.43)],
      worstClassRobustAccuracy: ms(0.43),
    },
  },
  seedsMissing: [],
  selectedLearningRates: { '2': 0.1 },
};
const report: Report = {
  sweepId: 'cols-0123abcd',
  runs: { expected: 2, finished: 2, failed: 0 },
  rows: [row],
  missingRunIds: [],
  unreadableResults: [],
  evaluations: ['exact'],
};

describe('a report asked for the exact evaluation', () => {
  it('shows its columns beside PGD in the terminal table, with the legend line that says what exact is', () => {
    const [header, , line, ...rest] = reportTable(report).split('\n');
    const headers = header?.split(/ {2,}/) ?? [];
    const cells = line?.split(/ {2,}/) ?? [];
    const cell = (name: string) => cells[headers.indexOf(name)];
    expect(cell('rob AD (PGD)')).toBe('+0.4000 ± 0.0100');
    expect(cell('rob AD (exact)')).toBe('+0.4500 ± 0.0100');
    expect(cell('exact - PGD')).toBe('+0.0500 ± 0.0100');
    expect(cell('worst rob acc (exact)')).toBe('+0.4300 ± 0.0100');
    expect(headers).not.toContain('rob AD (APGD)');
    expect(rest.some((l) => l.startsWith('exact: the exact worst case in the ball'))).toBe(true);
  });

  it('writes the same figures as CSV columns named for the evaluation, and none for one not asked for', () => {
    const [header, line] = reportCsv(report).trimEnd().split('\n');
    expect(header?.split(',')).toEqual(csvHeader(['exact']));
    const cells = Object.fromEntries(csvHeader(['exact']).map((name, i) => [name, line?.split(',')[i]]));
    expect(cells).toMatchObject({
      robust_ad_pgd_mean: '0.4',
      robust_ad_exact_mean: '0.45',
      robust_ad_exact_minus_pgd_mean: '0.05',
      robust_accuracy_exact_minority_mean: '0.43',
      worst_class_robust_accuracy_exact_mean: '0.43',
    });
    expect(csvHeader().some((name) => name.includes('exact'))).toBe(false);
    expect(csvHeader(['exact', 'apgd'])).toContain('robust_ad_apgd_minus_pgd_mean');
  });

  it('shows them in the HTML table and draws robust AD under PGD and under exact as panels side by side', async () => {
    const html = await reportHtml(report);
    const headers = [...html.matchAll(/<th>([^<]*)<\/th>/g)].map((m) => m[1]);
    expect(headers).toEqual(
      expect.arrayContaining([
        'robust AD (PGD)',
        'robust AD (exact)',
        'robust AD, exact - PGD',
        'robust acc exact (maj, min)',
      ]),
    );
    expect(html).toContain('<td>0.8800 ± 0.0100<br>0.4300 ± 0.0100</td>');
    expect(html).toContain('<table data-table="evaluations">');
    // The clean-val figure's row: the two gaps, then robust AD under PGD and under exact, as panel titles.
    const figure = /<figure data-figure="clean-val">[\s\S]*?<\/figure>/.exec(html)?.[0] ?? '';
    const titles = [...figure.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(titles.filter((t) => t?.startsWith('Gap of') || t?.startsWith('Robust AD'))).toEqual([
      'Gap of AD, linf',
      'Gap of standard accuracy, linf',
      'Robust AD (PGD)',
      'Robust AD (exact)',
    ]);
  });

  it("describes the row's evaluations in the API schema, which takes the row's value", () => {
    const field = reportFields().find((f) => f.key === 'evaluations');
    expect(field?.schema.safeParse(row.evaluations).success).toBe(true);
    expect(field?.schema.safeParse({ autoattack: row.evaluations?.exact }).success).toBe(false);
  });
});
