import { failureKey, failuresPrefix, runIdOfKey } from '../store/layout.js';
import { listAll, type ObjectStore, putJson } from '../store/object-store.js';

/** A run that ended in an error; a later success leaves its result next to this record. */
export interface RunFailure {
  sweepId: string;
  runId: string;
  error: string;
  failedAt: string;
}

export async function writeFailure(store: ObjectStore, failure: RunFailure): Promise<void> {
  await putJson(store, failureKey(failure.sweepId, failure.runId), failure);
}

export async function failedRunIds(store: ObjectStore, sweepId: string): Promise<Set<string>> {
  return runIdsUnder(store, failuresPrefix(sweepId));
}

/** The run ids of the result or failure objects under `prefix`. */
export async function runIdsUnder(store: ObjectStore, prefix: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const object of listAll(store, prefix)) {
    if (object.key.endsWith('.json')) ids.add(runIdOfKey(object.key));
  }
  return ids;
}
