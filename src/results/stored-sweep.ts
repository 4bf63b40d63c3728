import { z } from 'zod';
import { AdgapError, NotFoundError } from '../errors.js';
import { planKey, sweepKey } from '../store/layout.js';
import { KEY_SEGMENT, ObjectNotFoundError, type ObjectStore, putJson } from '../store/object-store.js';
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

/**
 * A sweep.json or plan.json that cannot be used: not JSON, not of its schema, or foreign (it names another
 * sweep than the folder it is in, as a copy from another sweep's folder would). Both are written once from the
 * sweep file, so the advice is to move the object away and run the sweep file again, which writes it anew.
 */
export class UnreadableSweepObjectError extends AdgapError {
  override readonly name = 'UnreadableSweepObjectError';
  constructor(
    readonly storeUri: string,
    readonly key: string,
    readonly reason: string,
  ) {
    super(
      `${key} in store ${storeUri} ${reason}; it is written from the sweep file: move it away and run \`adgap sweep run\` on that file to write it again`,
    );
  }
}

// Loose: what readers use is checked, and stores written by older versions (with fields since dropped) still read.
const storedSweepSchema = z.looseObject({
  sweepId: z.string(),
  name: z.string(),
  createdAt: z.string(),
  definition: z.looseObject({ name: z.string() }),
  runCount: z.int().min(0),
  jobCount: z.int().min(0),
});

const planSchema = z.looseObject({
  sweepId: z.string(),
  chunkSize: z.int().min(1).optional(),
  jobs: z.array(
    z.looseObject({
      index: z.int().min(0),
      datasetId: z.string(),
      runs: z.array(
        z.looseObject({
          runId: z.string().regex(KEY_SEGMENT),
          dataset: z.looseObject({ group: z.string() }),
          mode: z.looseObject({ kind: z.string() }),
        }),
      ),
    }),
  ),
});

export async function readSweep(store: ObjectStore, sweepId: string): Promise<StoredSweep> {
  const value = await readSweepObject(
    store,
    sweepId,
    sweepKey(sweepId),
    storedSweepSchema,
    'a sweep document',
  );
  return value as unknown as StoredSweep;
}

export async function readPlan(store: ObjectStore, sweepId: string): Promise<Plan> {
  const plan = (await readSweepObject(
    store,
    sweepId,
    planKey(sweepId),
    planSchema,
    'a plan',
  )) as unknown as Plan;
  const misplaced = plan.jobs.findIndex((job, i) => job.index !== i);
  if (misplaced !== -1)
    throw new UnreadableSweepObjectError(
      store.uri,
      planKey(sweepId),
      `is not a plan (jobs[${misplaced}] has index ${plan.jobs[misplaced]?.index})`,
    );
  for (const job of plan.jobs) job.runs = job.runs.map(withFidelity);
  return plan;
}

/** Reads and checks one of a sweep's own objects: JSON, of its schema, and naming this sweep. */
async function readSweepObject(
  store: ObjectStore,
  sweepId: string,
  key: string,
  schema: z.ZodType<{ sweepId: string }>,
  what: string,
): Promise<{ sweepId: string }> {
  let text: string;
  try {
    text = new TextDecoder().decode(await store.get(key));
  } catch (error) {
    if (error instanceof ObjectNotFoundError)
      throw new NotFoundError(`no sweep '${sweepId}' in store ${store.uri}`);
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UnreadableSweepObjectError(
      store.uri,
      key,
      `is not JSON (${(error as Error).message}; ${text.length} bytes)`,
    );
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'the document';
    throw new UnreadableSweepObjectError(store.uri, key, `is not ${what} (${where}: ${issue?.message})`);
  }
  if (parsed.data.sweepId !== sweepId)
    throw new UnreadableSweepObjectError(
      store.uri,
      key,
      `is foreign: it names sweep '${parsed.data.sweepId}', not '${sweepId}', the sweep whose folder holds it`,
    );
  return parsed.data;
}

/** Plans and results stored before `fidelity` existed (result schemaVersion 2) trained with adgap's. */
export function withFidelity(run: RunSpec): RunSpec {
  return run.fidelity === undefined ? { ...run, fidelity: 'adgap' } : run;
}
