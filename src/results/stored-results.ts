import { getMany } from '../store/bulk.js';
import { resultKey, resultsPrefix, unreadableKey } from '../store/layout.js';
import { ObjectExistsError, type ObjectStore, putJson } from '../store/object-store.js';
import { planRuns } from '../sweep/plan.js';
import type { RunSpec } from '../train/run-spec.js';
import { failedRunIds, runIdsUnder } from './failures.js';
import type { RunResult } from './run-result.js';
import { readPlan, withFidelity } from './stored-sweep.js';

/** Write-once: a second writer of the same run (a duplicated or retried job) keeps the first result. */
export async function writeResult(store: ObjectStore, result: RunResult): Promise<void> {
  try {
    await putJson(store, resultKey(result.sweepId, result.run.runId), result, { ifAbsent: true });
  } catch (error) {
    if (!(error instanceof ObjectExistsError)) throw error;
  }
}

export async function finishedRunIds(store: ObjectStore, sweepId: string): Promise<Set<string>> {
  return runIdsUnder(store, resultsPrefix(sweepId));
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

/**
 * What a report is computed from: the sweep's planned runs and its results and failures as one listing of each
 * found them. Results that could not be read count as missing.
 */
export interface SweepRuns {
  sweepId: string;
  runs: RunSpec[];
  results: ReadonlyMap<string, RunResult>;
  failedRunIds: ReadonlySet<string>;
  unreadable: readonly UnreadableResult[];
}

/** The sweep's runs as the store holds them now (finished or not). */
export async function readSweepRuns(store: ObjectStore, sweepId: string): Promise<SweepRuns> {
  const [plan, { results, unreadable }, failed] = await Promise.all([
    readPlan(store, sweepId),
    readResults(store, sweepId),
    failedRunIds(store, sweepId),
  ]);
  return { sweepId, runs: planRuns(plan), results, failedRunIds: failed, unreadable };
}
