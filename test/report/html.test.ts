import { expect, it } from 'vitest';
import { reportHtml } from '../../src/report/html.js';
import type { Report, ReportRow } from '../../src/report/report.js';

const missingRow = (dataset: string, group: string): ReportRow => ({
  dataset,
  group,
  datasetName: group,
  selection: 'clean-val',
  R: 2,
  objective: 'clean',
  fidelity: 'adgap',
  mode: 'standard',
  ad: null,
  robustAd: null,
  robustAdPgd: null,
  adGap: null,
  accuracyGap: null,
  cleanAccuracy: [null, null],
  robustAccuracy: [null, null],
  boundaryError: [null, null],
  worstClassCleanAccuracy: null,
  worstClassRobustAccuracy: null,
  theory: null,
  seedsMissing: [2],
  seedsNotRecorded: [],
  selectedLearningRates: {},
});

it('a group without results says it was not run, and CIFAR-10 says where it can run', async () => {
  const report: Report = {
    sweepId: 'paper-0123abcd',
    runs: { expected: 2, finished: 0, failed: 0 },
    rows: [missingRow('cifar10-d0-aaaaaa', 'cifar10'), missingRow('mnist-d0-bbbbbb', 'mnist')],
    missingRunIds: ['a', 'b'],
    unreadableResults: [],
  };
  const html = await reportHtml(report);
  const section = (dataset: string) =>
    new RegExp(`<section data-dataset="${dataset}" data-not-run>[\\s\\S]*?</section>`).exec(html)?.[0] ?? '';
  expect(section('cifar10-d0-aaaaaa')).toMatch(/Not run yet.*GPU engine.*adgap paper --runner batch/s);
  expect(section('mnist-d0-bbbbbb')).toContain('Not run yet: no results for this group.</p>');
  expect(html).not.toContain('<figure');
});
