import { describe, expect, it } from 'vitest';
import { CSV_HEADER, reportFields, reportLegend } from '../../src/report/columns.js';
import { reportCsv, reportTable } from '../../src/report/format.js';
import { reportHtml } from '../../src/report/html.js';
import type { Report, ReportRow } from '../../src/report/report.js';

const ms = (mean: number, stderr: number) => ({ mean, stderr, n: 2 });
const row: ReportRow = {
  dataset: 'gaussian-d0-abcdef',
  group: 'gaussian',
  datasetName: 'gaussian (dim 100, mean 1 on 25, scale 2)',
  selection: 'clean-val',
  R: 5,
  objective: 'clean',
  fidelity: 'adgap',
  mode: 'linf-0.5',
  ad: ms(0.25, 0.01),
  robustAd: ms(0.3, 0.02),
  robustAdPgd: ms(0.4, 0.03),
  adGap: ms(-0.125, 0.005),
  accuracyGap: ms(0.0625, 0),
  cleanAccuracy: [ms(0.95, 0.01), ms(0.7, 0.02)],
  robustAccuracy: [ms(0.9, 0.01), ms(0.5, 0.02)],
  boundaryError: [ms(0.05, 0), ms(0.2, 0)],
  worstClassCleanAccuracy: ms(0.7, 0.02),
  worstClassRobustAccuracy: ms(0.5, 0.02),
  theory: null,
  seedsMissing: [42, 62],
  seedsNotRecorded: [],
  selectedLearningRates: { '2': 0.1, '22': 0.01 },
};
const report: Report = {
  sweepId: 'cols-0123abcd',
  runs: { expected: 12, finished: 8, failed: 1 },
  rows: [row],
  missingRunIds: [],
  unreadableResults: [],
};

describe('the report column list', () => {
  it('writes the terminal table: the short headers, each value as mean ± stderr, the legend in those headers', () => {
    const [header, rule, line, , runs, ...legend] = reportTable(report).split('\n');
    expect(header?.split(/ {2,}/).join('|')).toBe(
      'dataset|selection|R|objective|fidelity|mode|AD|AD gap|acc gap|rob AD (train)|rob AD (PGD)|worst acc|worst rob acc (PGD)|seeds',
    );
    expect(rule).toMatch(/^-+( +-+){13}$/);
    expect(line?.split(/ {2,}/).join('|')).toBe(
      'gaussian|clean-val|5|clean|adgap|linf-0.5|+0.2500 ± 0.0100|-0.1250 ± 0.0050|+0.0625 ± 0.0000|+0.3000 ± 0.0200|+0.4000 ± 0.0300|+0.7000 ± 0.0200|+0.5000 ± 0.0200|2 (missing 42,62)',
    );
    expect(runs).toBe('runs: 8/12 finished, 1 failed, 4 without a result');
    expect(legend).toEqual(reportLegend('short'));
    expect(legend[0]).toMatch(/^AD = .*; AD gap = .*; acc gap = /);
    expect(legend[2]).toMatch(/^worst acc \/ worst rob acc \(PGD\) = .*in --format json or csv\.$/);
  });

  it('writes the CSV: a MeanStderr as _mean and _stderr, a class pair as four cells, rounded to 6 decimals', () => {
    const [header, line] = reportCsv(report).trimEnd().split('\n');
    expect(header?.split(',')).toEqual([...CSV_HEADER]);
    const cells = Object.fromEntries(CSV_HEADER.map((name, i) => [name, line?.split(',')[i]]));
    expect(cells).toMatchObject({
      dataset: 'gaussian-d0-abcdef',
      group: 'gaussian',
      R: '5',
      ad_gap_mean: '-0.125',
      ad_gap_stderr: '0.005',
      robust_accuracy_minority_mean: '0.5',
      boundary_error_majority_stderr: '0',
      selection: 'clean-val',
      seeds: '2',
      seeds_missing: '42 62',
      seeds_not_recorded: '',
    });
    expect(CSV_HEADER).toHaveLength(36);
  });

  it('writes the HTML table: the long headers, a class pair on two lines, the legend in those headers', async () => {
    const html = await reportHtml(report);
    const headers = (table: string) =>
      [
        ...(new RegExp(`<table data-table="${table}">[\\s\\S]*?</table>`).exec(html)?.[0] ?? '').matchAll(
          /<th>([^<]*)<\/th>/g,
        ),
      ].map((m) => m[1]);
    // Two tables, so that each fits a 1280 px page: the gaps, and the per-class figures.
    expect(headers('gaps').join('|')).toBe(
      'R|objective|fidelity|mode|AD|AD gap|accuracy gap|robust AD (training attack)|robust AD (PGD)|seeds',
    );
    expect(headers('per-class').join('|')).toBe(
      'R|mode|clean acc (maj, min)|robust acc PGD (maj, min)|boundary error PGD (maj, min)|worst-class acc|worst-class robust acc (PGD)',
    );
    expect(html).toContain('<td>0.9000 ± 0.0100<br>0.5000 ± 0.0200</td>');
    expect(html).toContain('<td>2 (missing 42,62)</td>');
    expect(html).toContain('worst-class acc / worst-class robust acc (PGD) = the lower class accuracy');
    expect(html).not.toContain('--format json or csv');
  });

  it('rounds CSV numbers to 6 decimals, without float noise or a negative zero; JSON keeps full precision', () => {
    const noisy: ReportRow = {
      ...row,
      adGap: { mean: 0.0025000000000000022, stderr: 0.04266666666666663, n: 3 },
      accuracyGap: { mean: -1e-9, stderr: 1 / 3, n: 3 },
    };
    const noisyReport = { ...report, rows: [noisy] };
    const [, line] = reportCsv(noisyReport).trimEnd().split('\n');
    const cells = Object.fromEntries(CSV_HEADER.map((name, i) => [name, line?.split(',')[i]]));
    expect(cells).toMatchObject({
      ad_gap_mean: '0.0025',
      ad_gap_stderr: '0.042667',
      accuracy_gap_mean: '0',
      accuracy_gap_stderr: '0.333333',
    });
    expect(line).not.toMatch(/\d{7}/);
    expect(JSON.parse(JSON.stringify(noisyReport)).rows[0].adGap.mean).toBe(0.0025000000000000022);
  });

  it('shows one seed as the mean and n = 1, not as a standard error of zero', async () => {
    const one = (mean: number) => ({ mean, stderr: 0, n: 1 });
    const single = { ...report, rows: [{ ...row, ad: one(0.25), adGap: one(-0.125), seedsMissing: [] }] };
    const line = reportTable(single).split('\n')[2];
    expect(line).toContain('+0.2500 (n = 1)');
    expect(line).toContain('-0.1250 (n = 1)');
    expect(await reportHtml(single)).toContain('<td>-0.1250 (n = 1)</td>');
  });

  it("describes every field of a row in the API's schema, and each schema takes the row's value", () => {
    const fields = reportFields();
    // `evaluations` is present only in reports asked for evaluations beyond PGD (evaluation-columns.test.ts).
    expect(fields.map((f) => f.key).sort()).toEqual([...Object.keys(row), 'evaluations'].sort());
    for (const { key, schema } of fields)
      expect(schema.safeParse(row[key as keyof ReportRow]).success, key).toBe(true);
  });
});
