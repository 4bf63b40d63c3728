import { NotFoundError } from '../errors.js';
import { planKey, sweepKey } from '../store/layout.js';
import { getJson, ObjectNotFoundError, type ObjectStore, putJson } from '../store/object-store.js';
import type { Plan } from '../sweep/plan.js';
import type { SweepFile } from '../sweep/schema.js';
import type { RunSpec } from '../train/run-spec.js';

/** The sweep document kept next to its results. */
export interface StoredSweep {
  sweepId: string;
  name: string;
  createdAt: string;
  definition: SweepFile;
  runCount: number;
  jobCount: number;
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
export function withFidelity(run: RunSpec): RunSpec {
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
