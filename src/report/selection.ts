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

export type Selection =
  | { key: SelectionKey; selected: RunResult }
  | { key: SelectionKey; missingRunIds: string[] };

/**
 * Model selection (protocol.md): per (dataset, R, seed, fidelity, mode) the learning rate with the lowest clean
 * validation loss; ties go to the smaller learning rate and a NaN loss never wins. A key with any learning
 * rate not yet finished is not selected at all but reported with its missing runs, so a partial sweep never
 * picks from a partial grid.
 */
export function selectModels(
  expected: readonly RunSpec[],
  results: ReadonlyMap<string, RunResult>,
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
    const candidates = runs.map((r) => results.get(r.runId) as RunResult);
    // A diverged run's NaN loss is stored as JSON null; neither may win (null < x would compare as 0).
    const lossOf = (r: RunResult) => {
      const loss: unknown = r.metrics.validation.loss;
      return typeof loss === 'number' && !Number.isNaN(loss) ? loss : Number.POSITIVE_INFINITY;
    };
    const selected = candidates.reduce((best, r) =>
      lossOf(r) < lossOf(best) || (lossOf(r) === lossOf(best) && r.run.learningRate < best.run.learningRate)
        ? r
        : best,
    );
    return { key, selected };
  });
}
