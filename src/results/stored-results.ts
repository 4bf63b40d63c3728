import { NotFoundError } from '../errors.js';
import { getMany } from '../store/bulk.js';
import {
  failureKey,
  failuresPrefix,
  planKey,
  resultKey,
  resultsPrefix,
  runIdOfKey,
  sweepKey,
  unreadableKey,
} from '../store/layout.js';
import {
  getJson,
  listAll,
  ObjectExistsError,
  ObjectNotFoundError,
  type ObjectStore,
  putJson,
} from '../store/object-store.js';
import type { Plan } from '../sweep/plan.js';
import type { SweepFile } from '../sweep/schema.js';
import type { RunSpec } from '../train/run-spec.js';
import type { RunResult } from './run-result.js';

/** The sweep document kept next to its results. */
export interface StoredSweep {
  sweepId: string;
  name: string;
  createdAt: string;
  definition: SweepFile;
  runCount: number;
  jobCount: number;
}

/** A run that ended in an error; a later success leaves its result next to this record. */
export interface RunFailure {
  sweepId: string;
  runId: string;
  error: string;
  failedAt: string;
}

/**
 * Stores the sweep and its plan. Both are derived from the sweep file alone, so an existing copy is kept:
 * re-running the same file resumes the same sweep.
 */
export async function storeSweep(store: ObjectStore, sweep: StoredSweep, plan: Plan): Promise<void> {
  if ((await store.head(planKey(sweep.sweepId))) === undefined)
    await putJson(store, planKey(sweep.sweepId), plan);
  if ((await store.head(sweepKey(sweep.sweepId))) === undefined)
    await putJson(store, sweepKey(sweep.sweepId), sweep);
}

export async function readSweep(store: ObjectStore, sweepId: string): Promise<StoredSweep> {
  return notFoundAsSweep(sweepId, store, () => getJson<StoredSweep>(store, sweepKey(sweepId)));
}

export async function readPlan(store: ObjectStore, sweepId: string): Promise<Plan> {
  const plan = await notFoundAsSweep(sweepId, store, () => getJson<Plan>(store, planKey(sweepId)));
  for (const job of plan.jobs) job.runs = job.runs.map(withFidelity);
  return plan;
}

/** Plans and results stored before `fidelity` existed (result schemaVersion 2) trained with adgap's. */
function withFidelity(run: RunSpec): RunSpec {
  return run.fidelity === undefined ? { ...run, fidelity: 'adgap' } : run;
}

async function notFoundAsSweep<T>(sweepId: string, store: ObjectStore, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ObjectNotFoundError)
      throw new NotFoundError(`no sweep '${sweepId}' in store ${store.uri}`);
    throw error;
  }
}

/** Write-once: a second writer of the same run (a duplicated or retried job) keeps the first result. */
export async function writeResult(store: ObjectStore, result: RunResult): Promise<void> {
  try {
    await putJson(store, resultKey(result.sweepId, result.run.runId), result, { ifAbsent: true });
  } catch (error) {
    if (!(error instanceof ObjectExistsError)) throw error;
  }
}

export async function writeFailure(store: ObjectStore, failure: RunFailure): Promise<void> {
  await putJson(store, failureKey(failure.sweepId, failure.runId), failure);
}

export async function finishedRunIds(store: ObjectStore, sweepId: string): Promise<Set<string>> {
  return keysAsRunIds(store, resultsPrefix(sweepId));
}

export async function failedRunIds(store: ObjectStore, sweepId: string): Promise<Set<string>> {
  return keysAsRunIds(store, failuresPrefix(sweepId));
}

async function keysAsRunIds(store: ObjectStore, prefix: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const object of listAll(store, prefix)) {
    if (object.key.endsWith('.json')) ids.add(runIdOfKey(object.key));
  }
  return ids;
}

/** A result object that cannot be used: not JSON (truncated), or not the result of the run its key names. */
export interface UnreadableResult {
  runId: string;
  key: string;
  reason: string;
}

export interface LoadedResults {
  results: Map<string, RunResult>;
  /** Counted as missing: the report lists them, and the next `sweep run` sets them aside and trains them. */
  unreadable: UnreadableResult[];
}

/** Every result of a sweep: one listing, then GETs with bounded concurrency. */
export async function readResults(store: ObjectStore, sweepId: string): Promise<LoadedResults> {
  return readResultsOf(store, sweepId, await finishedRunIds(store, sweepId));
}

/** The results of the given finished runs, read with bounded concurrency; unusable ones apart. */
export async function readResultsOf(
  store: ObjectStore,
  sweepId: string,
  runIds: Iterable<string>,
): Promise<LoadedResults> {
  const ids = [...runIds];
  const keys = ids.map((id) => resultKey(sweepId, id));
  const bodies = await getMany(store, keys);
  const decoder = new TextDecoder();
  const results = new Map<string, RunResult>();
  const unreadable: UnreadableResult[] = [];
  bodies.forEach((body, i) => {
    const runId = ids[i] as string;
    const parsed = parseResult(decoder.decode(body), runId);
    if (typeof parsed === 'string') unreadable.push({ runId, key: keys[i] as string, reason: parsed });
    else results.set(runId, { ...parsed, run: withFidelity(parsed.run) });
  });
  return { results, unreadable };
}

/** The result, or why it cannot be used. Checks what the report reads; the writer is trusted for the rest. */
function parseResult(text: string, runId: string): RunResult | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON (${(error as Error).message}; ${text.length} bytes)`;
  }
  const result = value as Partial<RunResult> | null;
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return 'not a JSON object';
  if (result.run?.runId !== runId) return `not the result of run ${runId}`;
  const metrics = result.metrics;
  for (const split of ['validation', 'testImbalanced', 'testBalanced'] as const) {
    const m = metrics?.[split];
    if (!m || typeof m.loss !== 'number' || !Array.isArray(m.correct) || !Array.isArray(m.total))
      return `no metrics.${split}`;
  }
  return result as RunResult;
}

/**
 * Moves unreadable results out of the results prefix (a copy under `unreadable/`, then a delete), so the run
 * counts as missing and is trained again; the bytes are kept for inspection, never deleted.
 */
export async function setAsideUnreadable(
  store: ObjectStore,
  sweepId: string,
  unreadable: readonly UnreadableResult[],
): Promise<void> {
  const stamp = Date.now();
  for (const { runId, key } of unreadable) {
    await store.put(unreadableKey(sweepId, runId, stamp), await store.get(key));
    await store.delete(key);
  }
}
