import { datasetFamilyId } from '../datasets/family-id.js';
import type { RunResult } from '../results/run-result.js';
import type { Fidelity } from '../train/modes.js';
import type { RunSpec } from '../train/run-spec.js';
import { modeId } from '../train/run-spec.js';

/** The unit of model selection: one (dataset, R, seed, fidelity, mode), over all its learning rates. */
export interface SelectionKey {
  family: string;
  R: number;
  seed: number;
  fidelity: Fidelity;
  mode: string;
}

export const selectionKeyOf = (run: RunSpec): SelectionKey => ({
  family: datasetFamilyId(run.dataset),
  R: run.dataset.R,
  seed: run.seed,
  fidelity: run.fidelity,
  mode: modeId(run.mode),
});

export const selectionKeyString = (k: SelectionKey) => `${k.family}|${k.R}|${k.seed}|${k.fidelity}|${k.mode}`;

/**
 * How a checkpoint is chosen for each (dataset, R, seed, fidelity, mode), over its learning rates:
 * - `clean-val` (the paper's, the default): each run's restored epoch (lowest clean validation loss), the
 *   learning rate with the lowest clean validation loss;
 * - `robust-val`: each adversarial run's epoch with the lowest validation loss under its training attack, the
 *   learning rate with the lowest such loss; standard runs as `clean-val` (at radius 0 both losses are one);
 * - `last-epoch`: each run's last epoch, the learning rate with the lowest clean validation loss there.
 * The two others read `checkpoints`, which results record since they were added: older results are "not
 * recorded" under them.
 */
export const SELECTION_RULES = ['clean-val', 'robust-val', 'last-epoch'] as const;
export type SelectionRule = (typeof SELECTION_RULES)[number];
export const DEFAULT_SELECTION: SelectionRule = 'clean-val';

export type Selection =
  | { key: SelectionKey; selected: RunResult }
  | { key: SelectionKey; missingRunIds: string[] }
  /** Every run finished, but some result predates the rule's checkpoint. */
  | { key: SelectionKey; notRecorded: true };

/** The candidate a rule sees in one result: the result with the chosen checkpoint's metrics, and its loss. */
function candidateOf(
  result: RunResult,
  rule: SelectionRule,
): { model: RunResult; loss: unknown } | undefined {
  const standard = result.run.mode.kind === 'standard';
  if (rule === 'clean-val' || (rule === 'robust-val' && standard))
    return { model: result, loss: result.metrics.validation.loss };
  const checkpoint =
    rule === 'robust-val' ? result.checkpoints?.robustValidation : result.checkpoints?.lastEpoch;
  if (!checkpoint) return undefined;
  const { epoch, robustValidationLoss, ...splits } = checkpoint;
  // The checkpoint's clean metrics stand in for the restored ones; robust test metrics were not recorded for it.
  return {
    model: { ...result, bestEpoch: epoch, metrics: splits },
    loss: rule === 'robust-val' ? robustValidationLoss : splits.validation.loss,
  };
}

/**
 * Model selection (protocol.md): per (dataset, R, seed, fidelity, mode) the learning rate whose checkpoint
 * under `rule` has the lowest loss; ties go to the smaller learning rate and a NaN loss never wins. A key with
 * any learning rate not yet finished is not selected at all but reported with its missing runs, so a partial
 * sweep never picks from a partial grid.
 */
export function selectModels(
  expected: readonly RunSpec[],
  results: ReadonlyMap<string, RunResult>,
  rule: SelectionRule = DEFAULT_SELECTION,
): Selection[] {
  const byKey = new Map<string, { key: SelectionKey; runs: RunSpec[] }>();
  for (const run of expected) {
    const key = selectionKeyOf(run);
    const id = selectionKeyString(key);
    const entry = byKey.get(id) ?? { key, runs: [] };
    entry.runs.push(run);
    byKey.set(id, entry);
  }
  return [...byKey.values()].map(({ key, runs }) => {
    const missingRunIds = runs.filter((r) => !results.has(r.runId)).map((r) => r.runId);
    if (missingRunIds.length > 0) return { key, missingRunIds };
    const candidates = runs.map((r) => candidateOf(results.get(r.runId) as RunResult, rule));
    if (candidates.some((c) => c === undefined)) return { key, notRecorded: true };
    // A diverged run's NaN loss is stored as JSON null; neither may win (null < x would compare as 0).
    const lossOf = ({ loss }: { loss: unknown }) =>
      typeof loss === 'number' && !Number.isNaN(loss) ? loss : Number.POSITIVE_INFINITY;
    const rate = (c: { model: RunResult }) => c.model.run.learningRate;
    const selected = (candidates as { model: RunResult; loss: unknown }[]).reduce((best, c) =>
      lossOf(c) < lossOf(best) || (lossOf(c) === lossOf(best) && rate(c) < rate(best)) ? c : best,
    );
    return { key, selected: selected.model };
  });
}
