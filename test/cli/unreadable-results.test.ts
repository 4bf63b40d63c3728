import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import type { Report } from '../../src/report/report.js';
import { resultKey, unreadablePrefix } from '../../src/store/layout.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { adgap } from '../helpers/cli.js';
import { sweepIntoNewStore, twoRunSweep } from '../support/tiny-sweeps.js';

describe.each([
  { damage: 'a truncated result', body: (text: string) => text.slice(0, 40), reason: /^not JSON \(/ },
  { damage: 'an empty JSON object', body: () => '{}\n', reason: /^not the result of run / },
])('$damage', ({ body, reason }) => {
  it('is named, counted as missing by report, status and the API, set aside (not deleted) and retrained by the next sweep run', async () => {
    const { file, root, sweepId } = await sweepIntoNewStore(
      'adgap-unreadable-',
      twoRunSweep('unreadable-check'),
    );
    const resultsFolder = join(root, 'sweeps', sweepId, 'results');
    const [damaged, intact] = (await readdir(resultsFolder)).sort() as [string, string];
    const damagedPath = join(resultsFolder, damaged);
    const original = await readFile(damagedPath, 'utf8');
    const damagedBytes = body(original);
    await writeFile(damagedPath, damagedBytes);
    const intactBytes = await readFile(join(resultsFolder, intact), 'utf8');
    const key = resultKey(sweepId, damaged.replace(/\.json$/, ''));

    const report = await adgap(['report', sweepId, '--store', root]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain('runs: 1/2 finished, 0 failed, 1 without a result');
    expect(report.stdout).toMatch(new RegExp(`unreadable result ${key}: `));

    const status = await adgap(['sweep', 'status', sweepId, '--store', root]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('runs: 2 planned, 1 finished, 0 failed, 1 pending');
    expect(status.stdout).toContain('1 of the pending runs have an unreadable result');

    const app = createApp(new LocalFolderStore(root));
    const api = await app.request(`/sweeps/${sweepId}/report`);
    expect(api.status).toBe(200);
    const apiReport = (await api.json()) as Report;
    expect(apiReport.runs).toEqual({ expected: 2, finished: 1, failed: 0 });
    expect(apiReport.unreadableResults).toEqual([
      { runId: damaged.replace(/\.json$/, ''), key, reason: expect.stringMatching(reason) },
    ]);
    const runs = await app.request(`/sweeps/${sweepId}/runs`);
    expect(runs.status).toBe(200);
    expect(((await runs.json()) as { runs: unknown[] }).runs).toHaveLength(1);

    const again = await adgap(['sweep', 'run', file, '--store', root]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`unreadable result ${key} (`);
    expect(again.stdout).toContain('runs: 2/2 finished, 0 failed, 0 without a result');
    const setAside = await readdir(join(root, unreadablePrefix(sweepId)));
    expect(setAside).toHaveLength(1);
    expect(await readFile(join(root, unreadablePrefix(sweepId), setAside[0] as string), 'utf8')).toBe(
      damagedBytes,
    );
    expect(JSON.parse(await readFile(damagedPath, 'utf8')).run.runId).toBe(damaged.replace(/\.json$/, ''));
    expect(await readFile(join(resultsFolder, intact), 'utf8')).toBe(intactBytes);
  }, 60_000);
});
