import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reportFromStore } from '../../src/application/report.js';
import type { Report } from '../../src/report/report.js';
import type { RunResult } from '../../src/results/run-result.js';
import { readResults } from '../../src/results/stored-results.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { adgap, type CliResult } from '../helpers/cli.js';

// The demo is the small converged gaussian grid the theory test needs: one run per (R, mode, seed), so
// selection cannot swap a converged run for an early checkpoint of a faster learning rate (docs/theory.md).
let folder: string;
let demo: CliResult;
let report: Report;
let results: Map<string, RunResult>;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'adgap-demo-'));
  demo = await adgap(['demo', '--store', folder]);
  const sweepId = /sweep: (\S+)/.exec(demo.stdout)?.[1];
  if (demo.code !== 0 || !sweepId) throw new Error(`adgap demo failed (${demo.code}): ${demo.stderr}`);
  const store = new LocalFolderStore(folder);
  report = await reportFromStore(store, sweepId);
  ({ results } = await readResults(store, sweepId));
}, 300_000);

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

it('the demo prints what to see, with the closed form beside each measured gap of AD', () => {
  expect(demo.stdout).toContain('What to see:');
  expect(demo.stdout).toMatch(/R 10 {2}l2-3\.75 {4}gap of AD \+0\.\d{3} ± 0\.\d{3}, theory \+0\.236/);
});

it('every demo run converged: early stopping ended it before the epoch cap', () => {
  expect(results.size).toBe(18);
  for (const result of results.values()) expect(result.epochsRun).toBeLessThan(result.run.maxEpochs);
});

it('the measured gaps lie within the stated tolerance of theory', () => {
  // Tolerances (docs/theory.md): the gap of AD within 0.06 = 3 binomial standard errors of the minority
  // accuracy on 1000 balanced-test points at the predicted 0.745 (R = 10: 0.041), plus 0.02 for the rule being
  // estimated from 4000 + 4000/R training points in 100 dimensions (full-batch training to convergence on the
  // same data lands 0.03 from the closed form at R = 10). The gap of standard accuracy within 0.01: it is 1/(1+R)
  // times a minority-accuracy difference, so the same errors shrink by 6-11x.
  const robust = report.rows.filter((row) => row.mode !== 'standard');
  expect(robust).toHaveLength(6);
  for (const row of robust) {
    if (!row.theory || !row.adGap || !row.accuracyGap)
      throw new Error(`row R ${row.R} ${row.mode} incomplete`);
    expect(Math.abs(row.adGap.mean - row.theory.adGap), `gap of AD, R ${row.R} ${row.mode}`).toBeLessThan(
      0.06,
    );
    expect(
      Math.abs(row.accuracyGap.mean - row.theory.accuracyGap),
      `gap of accuracy, R ${row.R} ${row.mode}`,
    ).toBeLessThan(0.01);
  }
  // And the effect itself, far from noise: at R = 10 the gap of AD exceeds 10 standard errors and 0.15.
  for (const row of robust.filter((r) => r.R === 10)) {
    expect(row.adGap?.mean).toBeGreaterThan(0.15);
    expect(row.adGap?.mean).toBeGreaterThan(10 * (row.adGap?.stderr ?? 1));
  }
});
