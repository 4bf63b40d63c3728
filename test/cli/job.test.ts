import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { prepareDatasets } from '../../src/datasets/prepare.js';
import type { JobEvent } from '../../src/jobs/job-event.js';
import { finishedRunIds } from '../../src/results/stored-results.js';
import { storeSweep } from '../../src/results/stored-sweep.js';
import { readImageSource } from '../../src/sources/image-source.js';
import { resultKey } from '../../src/store/layout.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { datasetRefs, expandRuns } from '../../src/sweep/expand.js';
import { planJobs } from '../../src/sweep/plan.js';
import { parseSweepFile } from '../../src/sweep/schema.js';
import { sweepId } from '../../src/sweep/sweep-id.js';
import { adgap, CLI } from '../helpers/cli.js';

// One job of four runs, each long enough that SIGTERM lands while the chunk is unfinished: 94,000 steps, half a
// second on linear-cpu here. At 600 samples and 15 epochs a run took milliseconds, and a loaded CI machine once
// let all four finish before the signal landed.
const sweep = parseSweepFile({
  name: 'sigterm',
  datasets: [{ group: 'gaussian', sizes: { train: 20_000, validation: 100, test: 50 } }],
  R: [2],
  seeds: [2, 22],
  learningRates: [0.01, 0.002],
  epochs: 300,
  patience: 300,
  modes: ['standard'],
});
const id = sweepId(sweep);
const runs = expandRuns(sweep);

async function plannedStore(): Promise<{ root: string; store: LocalFolderStore }> {
  const root = await mkdtemp(join(tmpdir(), 'adgap-sigterm-'));
  const store = new LocalFolderStore(root);
  const plan = planJobs(id, runs);
  const meta = { sweepId: id, name: sweep.name, createdAt: 'now', definition: sweep };
  await storeSweep(store, { ...meta, runCount: runs.length, jobCount: plan.jobs.length }, plan);
  await prepareDatasets(store, datasetRefs(sweep), readImageSource);
  return { root, store };
}

/** Starts `adgap job run` and sends it SIGTERM as soon as it reports its first finished run. */
function runUntilFirstResultThenTerminate(
  root: string,
): Promise<{ code: number | null; events: JobEvent[] }> {
  const child = spawn(process.execPath, [CLI, 'job', 'run', '--store', root, '--sweep', id, '--job', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const events: JobEvent[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line) as JobEvent;
    events.push(event);
    if (event.event === 'run-finished' && events.length === 1) child.kill('SIGTERM');
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, events }));
  });
}

describe('adgap job run', () => {
  it('stops on SIGTERM with status 143 keeping finished results, and a re-run trains only the rest', async () => {
    const { root, store } = await plannedStore();

    const interrupted = await runUntilFirstResultThenTerminate(root);
    expect(interrupted.code).toBe(143);
    const kept = await finishedRunIds(store, id);
    expect(kept.size).toBeGreaterThanOrEqual(1);
    expect(kept.size).toBeLessThan(runs.length);
    const keptFiles = new Map<string, string>();
    for (const runId of kept) keptFiles.set(runId, await readFile(join(root, resultKey(id, runId)), 'utf8'));

    const rerun = await adgap(['job', 'run', '--store', root, '--sweep', id, '--job', '0']);
    expect(rerun.code, rerun.stderr).toBe(0);
    const retrained = rerun.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as JobEvent)
      .map((e) => (e.event === 'run-finished' ? e.runId : e.event));
    expect(retrained.sort()).toEqual(
      runs
        .map((r) => r.runId)
        .filter((r) => !kept.has(r))
        .sort(),
    );
    expect((await finishedRunIds(store, id)).size).toBe(runs.length);
    for (const [runId, content] of keptFiles)
      expect(await readFile(join(root, resultKey(id, runId)), 'utf8'), runId).toBe(content);
  }, 120_000);

  it('runs job --job-offset + $AWS_BATCH_JOB_ARRAY_INDEX, as an array child after the first 10,000 does', async () => {
    const { root } = await plannedStore();
    const child = await adgap(['job', 'run', '--store', root, '--sweep', id, '--job-offset', '10000'], {
      AWS_BATCH_JOB_ARRAY_INDEX: '7',
    });
    expect(child.code).toBe(1);
    expect(child.stderr).toContain(`job: index 10007 is out of range (sweep ${id} has 1 jobs)`);
  });

  it('refuses --job together with --job-offset', async () => {
    const { root } = await plannedStore();
    const both = await adgap([
      'job',
      'run',
      '--store',
      root,
      '--sweep',
      id,
      '--job',
      '0',
      '--job-offset',
      '3',
    ]);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/--job-offset.*cannot be used with.*--job/);
  });
});
