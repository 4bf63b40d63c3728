import { loadDataset } from '../datasets/load.js';
import { ValidationError } from '../errors.js';
import { EVERY_RUN_HAS_A_RESULT, type JobEvent } from '../jobs/job-event.js';
import {
  evaluatedRuns,
  type PendingEvaluation,
  pendingEvaluations,
  wantedEvaluations,
  writeEvaluation,
} from '../results/evaluations.js';
import { writeFailure } from '../results/failures.js';
import { readWeights, storeWeights } from '../results/kept-weights.js';
import { type LeaseOwner, randomLeaseOwner } from '../results/lease-owner.js';
import { acquireLease, LEASE_MS } from '../results/leases.js';
import { runResult } from '../results/run-result.js';
import { finishedRunIds, readResultsOf, writeResult } from '../results/stored-results.js';
import { readPlan, readSweep } from '../results/stored-sweep.js';
import type { ContentCache } from '../store/content-cache.js';
import type { ObjectStore } from '../store/object-store.js';
import type { Engine } from '../train/engine.js';
import type { EngineName } from '../train/engines/table.js';
import { evaluateKeptWeights } from '../train/robustness/kept-evaluation.js';
import type { RunSpec } from '../train/run-spec.js';

/** What `runJob` trains and where it reports. */
export interface RunJobOptions {
  store: ObjectStore;
  sweepId: string;
  jobIndex: number;
  /** The engine for the pending runs; `requested` is the sweep's `engine`, when it names one. */
  createEngine: (runs: readonly RunSpec[], requested: EngineName | undefined) => Promise<Engine>;
  onEvent: (event: JobEvent) => void;
  /** Asks the job to stop between epochs (SIGTERM); finished results stay. */
  signal?: AbortSignal;
  /** Where a remote store's dataset files are kept on local disk, so a machine downloads them once. */
  datasetCache?: ContentCache;
  /** Who holds the job's lease while it trains (default: a random name nobody can check). */
  leaseOwner?: LeaseOwner;
}

/**
 * The job contract, the same for a local process, a docker container and an AWS Batch array child: train the
 * runs of job `jobIndex` that have no result yet with the engine the sweep asks for (`createEngine` picks one
 * when it does not), writing each result as it finishes; then compute the robust evaluations the sweep wants
 * (its file's `evaluation`, `adgap evaluate`) from the kept weights of its finished runs that lack them, one
 * write-once record each (never training again). A failed run gets a
 * failure record and the others go on. An abort (SIGTERM) stops between epochs; finished results stay.
 * While it trains, the job holds its lease (src/results/leases.ts); a job someone else holds is skipped.
 *
 * A fatal error (the dataset cannot be read, the disk is full, a worker crashes) ends the job, but first every
 * run it had not finished gets a failure record with that error (as far as the store still takes writes) and a
 * `job-failed` event carries it to the runner: whichever runner started the job (a local process, a container,
 * an AWS Batch child), `sweep status` counts those runs failed with the real cause, and the next `sweep run`
 * trains them again. The error is then rethrown, so the process exits non-zero.
 */
export async function runJob(options: RunJobOptions): Promise<void> {
  const { store, sweepId, jobIndex, onEvent, leaseOwner = randomLeaseOwner() } = options;
  const plan = await readPlan(store, sweepId);
  const job = plan.jobs[jobIndex];
  if (!job) {
    throw new ValidationError(
      'job',
      `index ${jobIndex} is out of range (sweep ${sweepId} has ${plan.jobs.length} jobs)`,
    );
  }
  const pendingRuns = async () => {
    const finished = await finishedRunIds(store, sweepId);
    return job.runs.filter((r) => !finished.has(r.runId));
  };
  const jobEvaluations = () => pendingEvaluationsOf(store, sweepId, job.runs);
  // Checked before the lease too, so that a finished job takes none.
  const unfinished = new Set((await pendingRuns()).map((r) => r.runId));
  if (unfinished.size === 0 && (await jobEvaluations()).length === 0) {
    onEvent({ event: 'job-skipped', reason: EVERY_RUN_HAS_A_RESULT });
    return;
  }
  try {
    const lease = await acquireLease(store, sweepId, jobIndex, leaseOwner);
    if ('heldBy' in lease) {
      const { owner, expiresAt } = lease.heldBy;
      onEvent({
        event: 'job-skipped',
        reason: `another sweep run holds it (${owner}, lease until ${expiresAt})`,
      });
      return;
    }
    // A failed renewal is not fatal: at worst another run trains the job too, and results stay write-once.
    const renewal = setInterval(() => void lease.held.renew().catch(() => undefined), LEASE_MS / 3);
    try {
      // And again once the lease is held: another copy of this job (Batch delivers at least once) may have
      // trained these runs and released the lease since the first check; training them again would be wasted.
      const pending = await pendingRuns();
      unfinished.clear();
      for (const run of pending) unfinished.add(run.runId);
      if (pending.length > 0) await trainPending(options, pending, unfinished);
      const evaluations = options.signal?.aborted ? [] : await jobEvaluations();
      if (pending.length === 0 && evaluations.length === 0) {
        onEvent({ event: 'job-skipped', reason: EVERY_RUN_HAS_A_RESULT });
        return;
      }
      if (evaluations.length > 0) await evaluatePending(options, evaluations);
    } finally {
      clearInterval(renewal);
      await lease.held.release().catch(() => undefined);
    }
  } catch (error) {
    const message = errorMessage(error);
    await recordJobFailure(store, sweepId, unfinished, message);
    onEvent({ event: 'job-failed', error: message, runIds: [...unfinished] });
    throw error;
  }
}

/** Trains `pending` on one engine, writing each result or failure as it comes and taking it out of `unfinished`. */
async function trainPending(
  { store, sweepId, createEngine, onEvent, signal, datasetCache }: RunJobOptions,
  pending: RunSpec[],
  unfinished: Set<string>,
): Promise<void> {
  const engine = await createEngine(pending, (await readSweep(store, sweepId)).definition.engine);
  const data = await loadDataset(store, (pending[0] as RunSpec).dataset, datasetCache);
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
        unfinished.delete(outcome.run.runId);
        onEvent({ event: 'run-failed', runId: outcome.run.runId, error });
        return;
      }
      // The weights first: a result never names weights that are not there.
      const { weights } = outcome.trained;
      const stored = weights && (await storeWeights(store, sweepId, outcome.run.runId, weights));
      await writeResult(store, runResult(sweepId, engine, outcome, new Date(), stored));
      unfinished.delete(outcome.run.runId);
      onEvent({ event: 'run-finished', runId: outcome.run.runId });
    },
    signal,
  );
}

/** The evaluations the sweep wants that `runs`' finished results still lack (results/evaluations.ts). */
async function pendingEvaluationsOf(
  store: ObjectStore,
  sweepId: string,
  runs: readonly RunSpec[],
): Promise<PendingEvaluation[]> {
  const evaluations = await wantedEvaluations(store, sweepId);
  if (evaluations.length === 0) return [];
  const finished = await finishedRunIds(store, sweepId);
  const { results } = await readResultsOf(
    store,
    sweepId,
    runs.filter((r) => finished.has(r.runId)).map((r) => r.runId),
  );
  return pendingEvaluations(runs, results, evaluations, await evaluatedRuns(store, sweepId, evaluations));
}

/**
 * Computes and stores each pending evaluation from the run's kept weights, stopping between runs on abort. An
 * evaluation that fails (weights that do not match their result's sha256) is reported and the others go on;
 * having no record, it is tried again by the next job.
 */
async function evaluatePending(
  { store, sweepId, onEvent, signal, datasetCache }: RunJobOptions,
  pending: readonly PendingEvaluation[],
): Promise<void> {
  const data = await loadDataset(store, (pending[0] as PendingEvaluation).result.run.dataset, datasetCache);
  for (const { result, evaluation } of pending) {
    if (signal?.aborted) return;
    const { runId } = result.run;
    const stored = result.weights;
    if (!stored) continue;
    try {
      const started = performance.now();
      const weights = await readWeights(store, stored);
      const input = {
        run: result.run,
        weights,
        split: data.splits.testBalanced,
        clipToUnitBox: data.pixelRange,
      };
      await writeEvaluation(store, {
        schemaVersion: 1,
        sweepId,
        runId,
        evaluation,
        weightsSha256: stored.sha256,
        result: evaluateKeptWeights(evaluation, input),
        wallSeconds: (performance.now() - started) / 1000,
        evaluatedAt: new Date().toISOString(),
      });
      onEvent({ event: 'run-evaluated', runId, evaluation });
    } catch (error) {
      onEvent({ event: 'evaluation-failed', runId, evaluation, error: errorMessage(error) });
    }
  }
}

/**
 * One failure record per unfinished run. The store may be what failed (full, read-only, unreachable): then
 * the records cannot be written either, and the job-failed event and the exit status still carry the cause.
 */
async function recordJobFailure(
  store: ObjectStore,
  sweepId: string,
  runIds: ReadonlySet<string>,
  error: string,
): Promise<void> {
  const failedAt = new Date().toISOString();
  for (const runId of runIds) {
    try {
      await writeFailure(store, { sweepId, runId, error, failedAt });
    } catch {
      return;
    }
  }
}

/** One line: the error's own message (a stack or a multi-line message would hide the cause in a summary). */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.trim() || (error instanceof Error ? error.name : 'unknown error');
}
