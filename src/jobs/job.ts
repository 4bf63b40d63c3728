import { loadDataset } from '../datasets/load.js';
import { ValidationError } from '../errors.js';
import type { ContentCache } from '../store/content-cache.js';
import type { ObjectStore } from '../store/object-store.js';
import { finishedRunIds, readPlan, readSweep, writeFailure, writeResult } from '../sweep/stored.js';
import type { Engine } from '../train/engine.js';
import type { EngineName } from '../train/result.js';
import type { RunSpec } from '../train/run-spec.js';

export type JobEvent =
  | { event: 'run-finished'; runId: string }
  | { event: 'run-failed'; runId: string; error: string }
  | { event: 'job-skipped'; reason: string };

/**
 * The job contract, the same for a local process, a docker container and an AWS Batch array child: train the
 * runs of job `jobIndex` that have no result yet with the engine the sweep asks for (`createEngine` picks one
 * when it does not), writing each result as it finishes. A failed run gets a
 * failure record and the others go on. An abort (SIGTERM) stops between epochs; finished results stay.
 */
export async function runJob(
  store: ObjectStore,
  sweepId: string,
  jobIndex: number,
  createEngine: (runs: readonly RunSpec[], requested: EngineName | undefined) => Promise<Engine>,
  onEvent: (event: JobEvent) => void,
  signal?: AbortSignal,
  datasetCache?: ContentCache,
): Promise<void> {
  const plan = await readPlan(store, sweepId);
  const job = plan.jobs[jobIndex];
  if (!job) {
    throw new ValidationError(
      'job',
      `index ${jobIndex} is out of range (sweep ${sweepId} has ${plan.jobs.length} jobs)`,
    );
  }
  const finished = await finishedRunIds(store, sweepId);
  const pending = job.runs.filter((r) => !finished.has(r.runId));
  if (pending.length === 0) {
    onEvent({ event: 'job-skipped', reason: 'every run has a result' });
    return;
  }
  const engine = await createEngine(pending, (await readSweep(store, sweepId)).definition.engine);
  const data = await loadDataset(store, (pending[0] as (typeof pending)[number]).dataset, datasetCache);
  await engine.train(
    pending,
    data,
    async (outcome) => {
      if ('error' in outcome) {
        const error = outcome.error.message;
        await writeFailure(store, {
          sweepId,
          runId: outcome.run.runId,
          error,
          failedAt: new Date().toISOString(),
        });
        onEvent({ event: 'run-failed', runId: outcome.run.runId, error });
        return;
      }
      await writeResult(store, {
        schemaVersion: 2,
        sweepId,
        run: outcome.run,
        engine: engine.name,
        backend: engine.backend,
        ...outcome.trained,
        wallSeconds: outcome.wallSeconds,
        finishedAt: new Date().toISOString(),
      });
      onEvent({ event: 'run-finished', runId: outcome.run.runId });
    },
    signal,
  );
}
