import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { reportFromStore } from '../../src/application/report.js';
import type { Report } from '../../src/report/report.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { adgap } from '../helpers/cli.js';

// The part of docs/heavy-tails-sweep.yaml where docs/theory.md states a tolerance: holtsmark at R = 1 and 10,
// the largest protocol radius of each norm (12 runs; the whole file takes minutes).
let folder: string;
let report: Report;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'adgap-heavy-'));
  const sweep = parse(await readFile(new URL('../../docs/heavy-tails-sweep.yaml', import.meta.url), 'utf8'));
  const subset = {
    ...sweep,
    name: 'heavy-tails-subset',
    datasets: [
      {
        group: 'holtsmark',
        modes: [
          { norm: 'l2', eps: [2.94] },
          { norm: 'linf', eps: [0.555] },
        ],
      },
    ],
    R: [1, 10],
  };
  const file = join(folder, 'sweep.yaml');
  await writeFile(file, stringify(subset));
  const run = await adgap(['sweep', 'run', file, '--store', join(folder, 'store')]);
  const sweepId = /sweep: (\S+)/.exec(run.stdout)?.[1];
  if (run.code !== 0 || !sweepId) throw new Error(`adgap sweep run failed (${run.code}): ${run.stderr}`);
  report = await reportFromStore(new LocalFolderStore(join(folder, 'store')), sweepId);
}, 300_000);

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const row = (R: number, mode: string) => {
  const found = report.rows.find((r) => r.R === R && r.mode === mode);
  if (!found?.ad) throw new Error(`no measured row R ${R} ${mode}`);
  return found;
};

it('R = 1: the gaps lie within the stated tolerance of theory (0 for both, by symmetry)', () => {
  // docs/theory.md: gap of AD within 0.03 (measured <= 0.010), gap of accuracy within 0.04 (measured <= 0.027).
  for (const mode of ['l2-2.94', 'linf-0.555']) {
    const { theory, adGap, accuracyGap } = row(1, mode);
    expect(theory?.adGap).toBeCloseTo(0, 12);
    expect(Math.abs((adGap?.mean ?? 1) - 0), `gap of AD, ${mode}`).toBeLessThan(0.03);
    expect(Math.abs((accuracyGap?.mean ?? 1) - 0), `gap of accuracy, ${mode}`).toBeLessThan(0.04);
  }
});

it('R = 10: theory predicts the trivial rule for both; trained rules are within 0.15 of AD 1 and of gap 0', () => {
  expect(row(10, 'standard').ad?.mean).toBeGreaterThan(0.85);
  for (const mode of ['l2-2.94', 'linf-0.555']) {
    const { theory, ad, adGap } = row(10, mode);
    expect(theory).toMatchObject({ ad: 1, adGap: 0, trivial: { standard: true, robust: true } });
    expect(ad?.mean).toBeGreaterThan(0.85);
    expect(Math.abs(adGap?.mean ?? 1)).toBeLessThan(0.15);
  }
});
