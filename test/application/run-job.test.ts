import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { runJob } from '../../src/application/run-job.js';
import { prepareDatasets } from '../../src/datasets/prepare.js';
import { NotFoundError } from '../../src/errors.js';
import type { JobEvent } from '../../src/jobs/job-event.js';
import type { RunFailure } from '../../src/results/failures.js';
import type { LeaseOwner } from '../../src/results/lease-owner.js';
import { sweepStatus } from '../../src/results/status.js';
import { storeSweep } from '../../src/results/stored-sweep.js';
import { readImageSource } from '../../src/sources/image-source.js';
import { failureKey, LEASES_PREFIX, planKey, resultKey, sweepKey } from '../../src/store/layout.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { getJson, listAll, type ObjectStore } from '../../src/store/object-store.js';
import { datasetRefs, expandRuns } from '../../src/sweep/expand.js';
import { planJobs } from '../../src/sweep/plan.js';
import { parseSweepFile } from '../../src/sweep/schema.js';
import { sweepId } from '../../src/sweep/sweep-id.js';
import type { Engine } from '../../src/train/engine.js';
import { createEngine } from '../../src/train/engines/choose.js';
import { createTfjsEngine } from '../../src/train/engines/tfjs/engine.js';

const sweepFile = {
  name: 'job-contract',
  datasets: [{ group: 'gaussian', sizes: { train: 200, validation: 50, test: 50 } }],
  R: [2],
  seeds: [2, 22],
  learningRates: [0.01],
  epochs: 2,
  patience: 2,
  modes: [{ norm: 'l2', eps: [1] }],
};
const sweep = parseSweepFile(sweepFile);
const id = sweepId(sweep);
const runs = expandRuns(sweep);

/** The sweep stored and planned as `adgap sweep run` leaves it before jobs start: its datasets prepared. */
async function plannedStore({ prepared = true, sweep = parseSweepFile(sweepFile) } = {}) {
  const id = sweepId(sweep);
  const runs = expandRuns(sweep);
  const store = new LocalFolderStore(await mkdtemp(join(tmpdir(), 'adgap-job-')));
  const plan = planJobs(id, runs);
  await storeSweep(
    store,
    {
      sweepId: id,
      name: sweep.name,
      createdAt: 'now',
      definition: sweep,
      runCount: runs.length,
      jobCount: plan.jobs.length,
    },
    plan,
  );
  if (prepared) await prepareDatasets(store, datasetRefs(sweep), readImageSource);
  return store;
}

async function resultValidator() {
  const schema = JSON.parse(
    await readFile(new URL('../../schemas/run-result.schema.json', import.meta.url), 'utf8'),
  );
  return addFormats.default(new Ajv2020({ allErrors: true })).compile(schema);
}

/** Job 0 of the sweep on `engine`, its events into `events`, as `owner` when given. */
function trainJob(store: ObjectStore, engine: Engine, events: JobEvent[], owner?: LeaseOwner): Promise<void> {
  const onEvent = (e: JobEvent) => events.push(e);
  return runJob({
    store,
    sweepId: id,
    jobIndex: 0,
    createEngine: async () => engine,
    onEvent,
    leaseOwner: owner,
  });
}

describe('the job contract', () => {
  it('never prepares a dataset: without it in the store the job fails, naming it, and records that cause for its runs', async () => {
    const store = await plannedStore({ prepared: false });
    const events: JobEvent[] = [];
    const failure = runJob({ store, sweepId: id, jobIndex: 0, createEngine, onEvent: (e) => events.push(e) });
    await expect(failure).rejects.toThrow(NotFoundError);
    await expect(failure).rejects.toThrow(/dataset gaussian-\S+ is not prepared in .*adgap sweep run/);
    const runIds = runs.map((r) => r.runId);
    expect(events).toEqual([
      {
        event: 'job-failed',
        error: expect.stringMatching(/is not prepared in/),
        runIds: expect.arrayContaining(runIds),
      },
    ]);
    const keys: string[] = [];
    // Besides the failure records, only the job's released lease (one expired object) is written.
    for await (const object of listAll(store, ''))
      if (!object.key.startsWith(LEASES_PREFIX)) keys.push(object.key);
    expect(keys.sort()).toEqual([planKey(id), sweepKey(id), ...runIds.map((r) => failureKey(id, r))].sort());
  });

  it('with no engine asked for, trains the linear cell on linear-cpu and records it in results that validate', async () => {
    const store = await plannedStore();
    const events: JobEvent[] = [];
    await runJob({ store, sweepId: id, jobIndex: 0, createEngine, onEvent: (e) => events.push(e) });
    expect(events.map((e) => e.event)).toEqual(['run-finished', 'run-finished']);
    const validate = await resultValidator();
    for (const run of runs) {
      const result = await getJson(store, resultKey(id, run.runId));
      expect(validate(result), JSON.stringify(validate.errors)).toBe(true);
      expect(result).toMatchObject({ run, engine: 'linear-cpu', backend: 'wasm-simd' });
      expect(result).toHaveProperty('metrics.robust.pgd.testBalanced.total', [50, 50]);
    }
  });

  it('records reference fidelity, its implied objective and the per-class figures in results that validate', async () => {
    const reference = parseSweepFile({ ...sweepFile, fidelity: 'reference' });
    const store = await plannedStore({ sweep: reference });
    const referenceId = sweepId(reference);
    await runJob({ store, sweepId: referenceId, jobIndex: 0, createEngine, onEvent: () => {} });
    const validate = await resultValidator();
    for (const run of expandRuns(reference)) {
      const result = await getJson(store, resultKey(referenceId, run.runId));
      expect(validate(result), JSON.stringify(validate.errors)).toBe(true);
      expect(result).toMatchObject({ run: { fidelity: 'reference', objective: 'reference' } });
      expect(result).toHaveProperty('metrics.perClass.boundaryError');
    }
  });

  it('writes one result per run that validates against the published JSON Schema, then skips a finished job', async () => {
    const store = await plannedStore();
    const engine = await createTfjsEngine();
    const events: JobEvent[] = [];
    await trainJob(store, engine, events);
    expect(events.map((e) => e.event)).toEqual(['run-finished', 'run-finished']);

    const validate = await resultValidator();
    for (const run of runs) {
      const result = await getJson(store, resultKey(id, run.runId));
      expect(validate(result), JSON.stringify(validate.errors)).toBe(true);
      expect(result).toMatchObject({ run, engine: 'tfjs', backend: engine.backend });
    }

    const again: JobEvent[] = [];
    await trainJob(store, engine, again);
    expect(again).toEqual([{ event: 'job-skipped', reason: 'every run has a result' }]);
  });

  it('a copy of the job that finished it between its first look and its lease (a second delivery) trains nothing', async () => {
    const store = await plannedStore();
    const engine = await createTfjsEngine();
    const other: JobEvent[] = [];
    // The first look at the leases is the moment between this copy's check of the results and its lease: the
    // other copy runs there, from its own lease to its release.
    let otherCopy: Promise<void> | undefined;
    const racing: ObjectStore = Object.assign(Object.create(store) as ObjectStore, {
      list: async (prefix: string, options?: { cursor?: string; limit?: number }) => {
        if (prefix.startsWith(LEASES_PREFIX)) {
          otherCopy ??= trainJob(store, engine, other, { kind: 'other', name: 'other' });
          await otherCopy;
        }
        return store.list(prefix, options);
      },
    });
    const events: JobEvent[] = [];
    await trainJob(racing, engine, events, { kind: 'other', name: 'this' });
    expect(other.map((e) => e.event)).toEqual(['run-finished', 'run-finished']);
    expect(events).toEqual([{ event: 'job-skipped', reason: 'every run has a result' }]);
  });

  it('records a failed run with its error and goes on with the others', async () => {
    const store = await plannedStore();
    const real = await createTfjsEngine();
    const failFirst: Engine = {
      name: real.name,
      backend: real.backend,
      train: (pending, data, onOutcome, signal) =>
        real.train(
          pending,
          data,
          (outcome) =>
            onOutcome(outcome.run === pending[0] ? { run: outcome.run, error: new Error('boom') } : outcome),
          signal,
        ),
    };
    const events: JobEvent[] = [];
    await trainJob(store, failFirst, events);
    expect(events.map((e) => e.event)).toEqual(['run-failed', 'run-finished']);
    const failure = await getJson<RunFailure>(store, failureKey(id, runs[0]?.runId as string));
    expect(failure).toMatchObject({ sweepId: id, runId: runs[0]?.runId, error: 'boom' });
    expect(await store.head(resultKey(id, runs[0]?.runId as string))).toBeUndefined();
    expect(await store.head(resultKey(id, runs[1]?.runId as string))).toBeDefined();
  });

  it('on a fatal error, records it for every unfinished run, reports it in a job-failed event and rethrows', async () => {
    const store = await plannedStore();
    const real = await createTfjsEngine();
    const crashAfterFirst: Engine = {
      name: real.name,
      backend: real.backend,
      train: async (pending, data, onOutcome, signal) => {
        await real.train(pending.slice(0, 1), data, onOutcome, signal);
        throw new Error('ENOSPC: no space left on device, write\n    at something');
      },
    };
    const events: JobEvent[] = [];
    await expect(trainJob(store, crashAfterFirst, events)).rejects.toThrow('ENOSPC');
    const [first, second] = runs.map((r) => r.runId) as [string, string];
    expect(events).toEqual([
      { event: 'run-finished', runId: first },
      { event: 'job-failed', error: 'ENOSPC: no space left on device, write', runIds: [second] },
    ]);
    expect(await store.head(resultKey(id, first))).toBeDefined();
    expect(await store.head(failureKey(id, first))).toBeUndefined();
    const failure = await getJson<RunFailure>(store, failureKey(id, second));
    expect(failure).toMatchObject({ runId: second, error: 'ENOSPC: no space left on device, write' });
    expect((await sweepStatus(store, id)).runs).toEqual({ total: 2, done: 1, failed: 1 });
  });

  it('refuses a job index outside the plan, naming the range', async () => {
    const store = await plannedStore();
    await expect(
      runJob({
        store,
        sweepId: id,
        jobIndex: 5,
        createEngine: () => createTfjsEngine(),
        onEvent: () => undefined,
      }),
    ).rejects.toThrow(`job: index 5 is out of range (sweep ${id} has 1 jobs)`);
  });
});
