import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeSweep } from '../../src/application/execute-sweep.js';
import { runJob } from '../../src/application/run-job.js';
import type { JobEvent } from '../../src/jobs/job-event.js';
import { formatLeaseOwner, parseLeaseOwner } from '../../src/results/lease-owner.js';
import { acquireLease, heldJobs, type Lease } from '../../src/results/leases.js';
import type { Runner } from '../../src/runners/runner.js';
import { readImageSource } from '../../src/sources/image-source.js';
import { leaseKey } from '../../src/store/layout.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { listAll, type ObjectStore, putJson } from '../../src/store/object-store.js';
import { parseSweepFile } from '../../src/sweep/schema.js';
import { sweepId as idOf } from '../../src/sweep/sweep-id.js';
import { type S3TestServer, startS3TestServer } from '../support/s3-test-server.js';

let server: S3TestServer;
let count = 0;
beforeAll(async () => {
  server = await startS3TestServer();
});
afterAll(() => server?.stop());

const STORES: [string, () => Promise<ObjectStore>][] = [
  ['a folder', async () => new LocalFolderStore(await mkdtemp(join(tmpdir(), 'adgap-leases-')))],
  ['S3 (conditional puts)', async () => server.store(`leases-${count++}`)],
];

const SWEEP = 'lease-check-0123abcd';

/** Someone else's lease on job `jobIndex`, expiring `inMs` from now. */
async function foreignLease(
  store: ObjectStore,
  sweepId: string,
  jobIndex: number,
  inMs: number,
): Promise<void> {
  const lease: Lease = {
    jobIndex,
    generation: 1,
    owner: 'other-host:1:abcdef',
    expiresAt: new Date(Date.now() + inMs).toISOString(),
  };
  await putJson(store, leaseKey(sweepId, jobIndex, 1), lease);
}

describe.each(STORES)('job leases on %s', (_, openStore) => {
  it('of many processes racing for one job, exactly one gets the lease', async () => {
    const store = await openStore();
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => acquireLease(store, SWEEP, 0, parseLeaseOwner(`owner-${i}`))),
    );
    expect(outcomes.filter((o) => 'held' in o)).toHaveLength(1);
    const holders = new Set(outcomes.flatMap((o) => ('heldBy' in o ? [o.heldBy.owner] : [])));
    expect(holders.size).toBe(1);
    expect([...(await heldJobs(store, SWEEP)).keys()]).toEqual([0]);
  });

  it('a live lease is respected, an expired one (its holder was killed) is taken over, a released one is free', async () => {
    const store = await openStore();
    await foreignLease(store, SWEEP, 0, 60_000);
    await foreignLease(store, SWEEP, 1, -1);
    const live = await acquireLease(store, SWEEP, 0, parseLeaseOwner('me'));
    expect('heldBy' in live && live.heldBy.owner).toBe('other-host:1:abcdef');
    const expired = await acquireLease(store, SWEEP, 1, parseLeaseOwner('me'));
    expect('held' in expired).toBe(true);
    expect((await heldJobs(store, SWEEP)).get(1)?.owner).toBe('me');
    if ('held' in expired) {
      expect(await expired.held.renew()).toBe(true);
      await expired.held.release();
    }
    expect([...(await heldJobs(store, SWEEP)).keys()]).toEqual([0]);
    expect('held' in (await acquireLease(store, SWEEP, 1, parseLeaseOwner('someone')))).toBe(true);
    // Renewals replace the previous generation: one object per job.
    const keys: string[] = [];
    for await (const o of listAll(store, `leases/${SWEEP}/job-1/`)) keys.push(o.key);
    expect(keys).toHaveLength(1);
  });

  it('a later attempt of an AWS Batch child takes over its live lease; a second copy of one attempt does not', async () => {
    const store = await openStore();
    const take = async (owner: string) => {
      const outcome = await acquireLease(store, SWEEP, 3, parseLeaseOwner(owner));
      return 'held' in outcome ? 'held' : `held by ${outcome.heldBy.owner}`;
    };
    expect(await take('batch:array-id:3#1:aaaaaa')).toBe('held');
    // At-least-once delivery: the same attempt started twice.
    expect(await take('batch:array-id:3#1:bbbbbb')).toBe('held by batch:array-id:3#1:aaaaaa');
    // Another child of the array job.
    expect(await take('batch:array-id:4#2:cccccc')).toBe('held by batch:array-id:3#1:aaaaaa');
    // The retry after a Spot reclaim killed attempt 1, and attempt 1 cannot take it back.
    expect(await take('batch:array-id:3#2:dddddd')).toBe('held');
    expect(await take('batch:array-id:3#1:aaaaaa')).toBe('held by batch:array-id:3#2:dddddd');
    // The same owner takes its own live lease back.
    expect(await take('batch:array-id:3#2:dddddd')).toBe('held');
  });

  it('a renewal by a holder whose lease was taken over reports the loss', async () => {
    const store = await openStore();
    const mine = await acquireLease(store, SWEEP, 2, parseLeaseOwner('me'), -1);
    const theirs = await acquireLease(store, SWEEP, 2, parseLeaseOwner('them'));
    expect('held' in mine && 'held' in theirs).toBe(true);
    if ('held' in mine) expect(await mine.held.renew()).toBe(false);
  });
});

const sweep = parseSweepFile({
  name: 'lease-sweep',
  datasets: [{ group: 'gaussian', sizes: { train: 40, validation: 10, test: 10 } }],
  R: [1, 2],
  seeds: [2],
  learningRates: [0.01],
  epochs: 1,
  patience: 1,
  modes: ['standard'],
});

/** A runner that trains nothing and records which jobs it was asked to start. */
function recordingRunner(leaseHolderGone?: Runner['leaseHolderGone']): { runner: Runner; started: number[] } {
  const started: number[] = [];
  const runner: Runner = {
    name: 'recording',
    ...(leaseHolderGone && { leaseHolderGone }),
    runJobs: async (_target, jobIndexes) => {
      started.push(...jobIndexes);
      return { state: 'finished', jobFailures: [] };
    },
  };
  return { runner, started };
}

const quiet = { start: () => undefined, event: () => undefined, notice: () => undefined };

describe('a second sweep run of one sweep', () => {
  it.each(STORES)('on %s, trains only the jobs nobody holds and says which it left', async (_, openStore) => {
    const store = await openStore();
    const id = idOf(sweep);
    await foreignLease(store, id, 0, 60_000);
    const { runner, started } = recordingRunner();
    const notices: string[] = [];
    await executeSweep({
      store,
      sweep,
      runner,
      progress: { start: () => undefined, event: () => undefined, notice: (m) => notices.push(m) },
      readImageSource,
    });
    expect(started).toEqual([1]);
    expect(notices).toEqual([
      expect.stringMatching(
        /^1 of 2 pending jobs are being trained by another sweep run .*; this run trains the other 1\. Run it again after the other ends/,
      ),
    ]);
  });

  it('frees the lease of a holder known dead (a killed run on this machine) and trains its job', async () => {
    const store = new LocalFolderStore(await mkdtemp(join(tmpdir(), 'adgap-leases-')));
    const id = idOf(sweep);
    await foreignLease(store, id, 0, 60_000);
    const { runner, started } = recordingRunner();
    await executeSweep({
      store,
      sweep,
      runner,
      progress: quiet,
      readImageSource,
      isAbandoned: (owner) => formatLeaseOwner(owner) === 'other-host:1:abcdef',
    });
    expect(started).toEqual([0, 1]);
    expect((await heldJobs(store, id)).size).toBe(0);
  });

  it('frees the lease of a holder its runner knows gone (a dead container) and trains its job', async () => {
    const store = new LocalFolderStore(await mkdtemp(join(tmpdir(), 'adgap-leases-')));
    const id = idOf(sweep);
    await foreignLease(store, id, 0, 60_000);
    const asked: string[] = [];
    const { runner, started } = recordingRunner(async (owner) => {
      asked.push(formatLeaseOwner(owner));
      return true;
    });
    await executeSweep({ store, sweep, runner, progress: quiet, readImageSource });
    expect(asked).toEqual(['other-host:1:abcdef']);
    expect(started).toEqual([0, 1]);
    expect((await heldJobs(store, id)).size).toBe(0);
  });

  it('waits out the lease of a holder its runner knows alive', async () => {
    const store = new LocalFolderStore(await mkdtemp(join(tmpdir(), 'adgap-leases-')));
    await foreignLease(store, idOf(sweep), 0, 60_000);
    const { runner, started } = recordingRunner(async () => false);
    await executeSweep({ store, sweep, runner, progress: quiet, readImageSource });
    expect(started).toEqual([1]);
  });

  it('a job whose lease another run took just before it started is skipped, not trained', async () => {
    const store = new LocalFolderStore(await mkdtemp(join(tmpdir(), 'adgap-leases-')));
    const id = idOf(sweep);
    await executeSweep({ store, sweep, runner: recordingRunner().runner, progress: quiet, readImageSource });
    await foreignLease(store, id, 1, 60_000);
    const events: JobEvent[] = [];
    await runJob({
      store,
      sweepId: id,
      jobIndex: 1,
      createEngine: () => Promise.reject(new Error('must not create an engine')),
      onEvent: (e) => events.push(e),
    });
    expect(events).toEqual([
      {
        event: 'job-skipped',
        reason: expect.stringMatching(/^another sweep run holds it \(other-host:1:abcdef, lease until /),
      },
    ]);
  });
});
