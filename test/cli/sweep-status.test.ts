import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFailure } from '../../src/results/failures.js';
import { writeResult } from '../../src/results/stored-results.js';
import { storeSweep } from '../../src/results/stored-sweep.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { expandRuns } from '../../src/sweep/expand.js';
import { planJobs } from '../../src/sweep/plan.js';
import { parseSweepFile } from '../../src/sweep/schema.js';
import { sweepId } from '../../src/sweep/sweep-id.js';
import { adgap } from '../helpers/cli.js';
import { syntheticResult } from '../helpers/synthetic-sweep.js';

const sweep = parseSweepFile({
  name: 'status',
  datasets: ['gaussian'],
  R: [2],
  seeds: [2, 22],
  learningRates: [0.01, 0.001],
  modes: ['standard'],
});
const id = sweepId(sweep);
const runs = expandRuns(sweep);

describe('adgap sweep status', () => {
  it('counts finished, failed and pending runs from the store, a failure with a later result as finished', async () => {
    const root = await mkdtemp(join(tmpdir(), 'adgap-status-'));
    const store = new LocalFolderStore(root);
    const plan = planJobs(id, runs);
    const meta = { sweepId: id, name: sweep.name, createdAt: 'now', definition: sweep };
    await storeSweep(store, { ...meta, runCount: runs.length, jobCount: plan.jobs.length }, plan);
    const [first, second] = runs as [(typeof runs)[number], (typeof runs)[number]];
    const failure = (runId: string) => ({ sweepId: id, runId, error: 'boom', failedAt: 'now' });
    await writeFailure(store, failure(first.runId));
    await writeResult(store, syntheticResult(id, first, 0));
    await writeFailure(store, failure(second.runId));

    const out = await adgap(['sweep', 'status', id, '--store', root]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(
      `sweep: ${id}\nstore: ${store.uri}\nruns: 4 planned, 1 finished, 1 failed, 2 pending\n`,
    );
  });

  it('says so when the store has no such sweep', async () => {
    const root = await mkdtemp(join(tmpdir(), 'adgap-status-'));
    const out = await adgap(['sweep', 'status', 'nothing-0123abcd', '--store', root]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("no sweep 'nothing-0123abcd'");
  });
});
