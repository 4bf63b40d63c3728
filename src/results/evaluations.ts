import { getMany } from '../store/bulk.js';
import {
  evaluationKey,
  evaluationRequestKey,
  evaluationRequestsPrefix,
  evaluationsPrefix,
} from '../store/layout.js';
import { listAll, ObjectExistsError, type ObjectStore, putJson } from '../store/object-store.js';
import type { RobustnessEvaluation } from '../train/robustness/evaluation.js';
import {
  evaluationUnsupported,
  KEPT_WEIGHT_EVALUATIONS,
  type KeptWeightEvaluation,
} from '../train/robustness/kept-evaluation.js';
import type { RunSpec } from '../train/run-spec.js';
import { runIdsUnder } from './failures.js';
import type { RunResult } from './run-result.js';

/**
 * One robust evaluation of one finished run, computed from its kept weights (never by training again), stored
 * write-once at sweeps/<sweepId>/evaluations/<evaluation>/<runId>.json.
 */
export interface EvaluationRecord {
  schemaVersion: 1;
  sweepId: string;
  runId: string;
  evaluation: KeptWeightEvaluation;
  /** The sha256 of the weights it was computed from (RunResult.weights.sha256). */
  weightsSha256: string;
  result: RobustnessEvaluation;
  wallSeconds: number;
  evaluatedAt: string;
}

/** Write-once: a second copy of the job keeps the first record. */
export async function writeEvaluation(store: ObjectStore, record: EvaluationRecord): Promise<void> {
  try {
    await putJson(store, evaluationKey(record.sweepId, record.evaluation, record.runId), record, {
      ifAbsent: true,
    });
  } catch (error) {
    if (!(error instanceof ObjectExistsError)) throw error;
  }
}

export function evaluatedRunIds(
  store: ObjectStore,
  sweepId: string,
  evaluation: KeptWeightEvaluation,
): Promise<Set<string>> {
  return runIdsUnder(store, evaluationsPrefix(sweepId, evaluation));
}

/** Every record of `evaluation` in the sweep, by run id; records that cannot be parsed are left out. */
export async function readEvaluations(
  store: ObjectStore,
  sweepId: string,
  evaluation: KeptWeightEvaluation,
): Promise<Map<string, EvaluationRecord>> {
  const ids = [...(await evaluatedRunIds(store, sweepId, evaluation))];
  const bodies = await getMany(
    store,
    ids.map((id) => evaluationKey(sweepId, evaluation, id)),
  );
  const decoder = new TextDecoder();
  const records = new Map<string, EvaluationRecord>();
  bodies.forEach((body, i) => {
    try {
      const record = JSON.parse(decoder.decode(body)) as EvaluationRecord;
      if (record.runId === ids[i] && record.result?.testBalanced) records.set(record.runId, record);
    } catch {
      // Writes are atomic, so only a hand-edited record fails to parse: the report leaves it out, and since
      // the listing still counts it as done, deleting it is what lets the next evaluate write a new one.
    }
  });
  return records;
}

/**
 * Asks every job of the sweep to compute `evaluation` for its finished runs (`adgap evaluate`): a request kept
 * in the store, so that any runner's job (a local process, a container, a Batch child), started now or by a
 * later `sweep run`, finds it without a new argument.
 */
export async function requestEvaluation(
  store: ObjectStore,
  sweepId: string,
  evaluation: KeptWeightEvaluation,
): Promise<void> {
  await putJson(store, evaluationRequestKey(sweepId, evaluation), {
    evaluation,
    requestedAt: new Date().toISOString(),
  });
}

/**
 * The evaluations the sweep's jobs compute: those requested (by `adgap evaluate`, or by `sweep run` for its
 * file's `evaluation`). One listing.
 */
export async function wantedEvaluations(
  store: ObjectStore,
  sweepId: string,
): Promise<KeptWeightEvaluation[]> {
  const wanted = new Set<string>();
  for await (const object of listAll(store, evaluationRequestsPrefix(sweepId)))
    wanted.add(object.key.slice(object.key.lastIndexOf('/') + 1).replace(/\.json$/, ''));
  return KEPT_WEIGHT_EVALUATIONS.filter((e) => wanted.has(e));
}

/** An evaluation a finished run still needs. */
export interface PendingEvaluation {
  result: RunResult;
  evaluation: KeptWeightEvaluation;
}

/**
 * Of `runs`, the finished ones (in `results`) that kept their weights, that `evaluations` apply to, and that
 * have no record yet (`done`, by evaluation).
 */
export function pendingEvaluations(
  runs: readonly RunSpec[],
  results: ReadonlyMap<string, RunResult>,
  evaluations: readonly KeptWeightEvaluation[],
  done: ReadonlyMap<KeptWeightEvaluation, ReadonlySet<string>>,
): PendingEvaluation[] {
  return evaluations.flatMap((evaluation) =>
    runs.flatMap((run) => {
      const result = results.get(run.runId);
      if (!result?.weights || evaluationUnsupported(run, evaluation) || done.get(evaluation)?.has(run.runId))
        return [];
      return [{ result, evaluation }];
    }),
  );
}

/** Which runs already have a record, per evaluation. */
export async function evaluatedRuns(
  store: ObjectStore,
  sweepId: string,
  evaluations: readonly KeptWeightEvaluation[],
): Promise<Map<KeptWeightEvaluation, Set<string>>> {
  const entries = await Promise.all(
    evaluations.map(async (e) => [e, await evaluatedRunIds(store, sweepId, e)] as const),
  );
  return new Map(entries);
}
