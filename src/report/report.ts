import { datasetFamilyId } from '../datasets/family-id.js';
import { STABLE_ALPHA } from '../datasets/synthetic.js';
import type { RunResult } from '../results/run-result.js';
import type { SweepRuns, UnreadableResult } from '../results/stored-results.js';
import type { Fidelity, Objective } from '../train/modes.js';
import { type ClassMetrics, classMetrics } from '../train/result.js';
import type { KeptWeightEvaluation } from '../train/robustness/kept-evaluation.js';
import { modeId, type RunSpec } from '../train/run-spec.js';
import { accuracyDisparity, accuracyGap, adGap, robustAccuracyDisparity } from './disparity.js';
import { type EvaluationRecords, type RowEvaluations, rowEvaluations } from './evaluation-figures.js';
import { DEFAULT_SELECTION, type Selection, type SelectionRule, selectModels } from './selection.js';
import { type MeanStderr, meanStderr } from './statistics.js';
import { type TheoryGaps, theoryGaps } from './theory.js';
import { stableTheoryGaps } from './theory-stable.js';

/**
 * One (dataset, R, fidelity, mode) line of the report. Gaps are absent on the standard row, which is their
 * baseline (the standard row of the same fidelity).
 */
export interface ReportRow {
  dataset: string;
  group: string;
  /** The group and the parameters that tell its datasets apart, for titles (`gaussian (dim 100, ...)`). */
  datasetName: string;
  /** The checkpoint-selection rule the row's numbers come from (selection.ts). */
  selection: SelectionRule;
  R: number;
  /** What produced the numbers: the training objective and the fidelity (run-spec.ts). */
  objective: Objective;
  fidelity: Fidelity;
  mode: string;
  /** AD of the selected models, over seeds. */
  ad: MeanStderr | null;
  /** AD on the attacked balanced test set (robust rows only): under the training attack, and under PGD. */
  robustAd: MeanStderr | null;
  robustAdPgd: MeanStderr | null;
  /** AD(robust) - AD(standard), paired by (R, seed). */
  adGap: MeanStderr | null;
  /** accuracy(standard) - accuracy(robust) on the imbalanced test set, paired by seed. */
  accuracyGap: MeanStderr | null;
  /**
   * Per class (0 = majority, 1 = minority) on the balanced test set, over seeds: clean accuracy, robust accuracy
   * under evaluation PGD and boundary error (clean - robust), and the worst class's clean and robust accuracy
   * (per seed, then averaged). Robust figures are null on standard rows.
   */
  cleanAccuracy: [MeanStderr | null, MeanStderr | null];
  robustAccuracy: [MeanStderr | null, MeanStderr | null];
  boundaryError: [MeanStderr | null, MeanStderr | null];
  worstClassCleanAccuracy: MeanStderr | null;
  worstClassRobustAccuracy: MeanStderr | null;
  /**
   * The prediction of the population-optimal linear rules (docs/theory.md), where one exists: robust rows of
   * the synthetic groups, linear model, clean objective, adgap fidelity, one-step attack; null elsewhere and
   * where theory leaves the rule undetermined.
   */
  theory: TheoryGaps | null;
  /**
   * The row under the robust evaluations beyond PGD the report was asked for (`--evaluation`,
   * evaluation-figures.ts); absent when none was.
   */
  evaluations?: RowEvaluations;
  /** Seeds whose selection is missing in this row or in its standard baseline. */
  seedsMissing: number[];
  /** Seeds whose results predate the selection rule's checkpoints (also in seedsMissing). */
  seedsNotRecorded: number[];
  /** The selected learning rate of each seed, for reading the selection back. */
  selectedLearningRates: Record<string, number>;
}

export interface Report {
  sweepId: string;
  runs: { expected: number; finished: number; failed: number };
  rows: ReportRow[];
  /** Every expected run without a result, so a partial report says what it lacks. */
  missingRunIds: string[];
  /** Result objects that could not be read; their runs count as missing (and are in missingRunIds). */
  unreadableResults: UnreadableResult[];
  /** The evaluations beyond PGD whose figures the rows carry (`--evaluation`); absent: none. */
  evaluations?: KeptWeightEvaluation[];
}

/** Bumped whenever buildReport's output changes: a report cached by older code is then built again. */
export const REPORT_VERSION = 4;

export type ReportInput = Pick<SweepRuns, 'sweepId' | 'runs' | 'results'> &
  Partial<Pick<SweepRuns, 'failedRunIds' | 'unreadable'>> & {
    /** The records of the evaluations beyond PGD to show (evaluation-figures.ts). */
    evaluationRecords?: EvaluationRecords;
  };

/**
 * The disparity-gap report of a sweep (protocol.md): model selection under each of `selections` (selection.ts;
 * the paper's clean-val by default), then per (selection, dataset, R, fidelity, mode) the mean and standard error
 * over seeds of AD, gap of AD and gap of standard accuracy. Rows follow the rules' order, then the sweep's.
 */
export function buildReport(
  input: ReportInput,
  selections: readonly SelectionRule[] = [DEFAULT_SELECTION],
): Report {
  const {
    sweepId,
    runs: expected,
    results,
    failedRunIds = new Set(),
    unreadable = [],
    evaluationRecords,
  } = input;
  // Kept weights are the clean-val checkpoint's: evaluations describe that rule's rows only.
  const byRule = selections.map((rule) =>
    buildRows(expected, results, rule, rule === DEFAULT_SELECTION ? evaluationRecords : undefined),
  );
  const missingRunIds = (byRule[0]?.selections ?? selectModels(expected, results)).flatMap((s: Selection) =>
    'missingRunIds' in s ? s.missingRunIds : [],
  );
  return {
    sweepId,
    runs: {
      expected: expected.length,
      finished: expected.filter((r) => results.has(r.runId)).length,
      failed: expected.filter((r) => !results.has(r.runId) && failedRunIds.has(r.runId)).length,
    },
    rows: byRule.flatMap((r) => r.rows),
    missingRunIds,
    unreadableResults: [...unreadable],
    ...(evaluationRecords ? { evaluations: [...evaluationRecords.keys()] } : {}),
  };
}

/** The rows of one selection rule. */
function buildRows(
  expected: readonly RunSpec[],
  results: ReadonlyMap<string, RunResult>,
  rule: SelectionRule,
  evaluationRecords: EvaluationRecords | undefined,
): { rows: ReportRow[]; selections: Selection[] } {
  const selections = selectModels(expected, results, rule);
  const names = datasetNames(expected);
  const rowKeys = new Map<
    string,
    {
      family: string;
      group: string;
      R: number;
      objective: Objective;
      fidelity: Fidelity;
      mode: string;
      theory: TheoryGaps | null;
    }
  >();
  for (const run of expected) {
    const family = datasetFamilyId(run.dataset);
    const mode = modeId(run.mode);
    const key = `${family}|${run.dataset.R}|${run.fidelity}|${mode}`;
    // Every run of a row shares its theory: computed once per row (the stable laws' is numerical).
    if (rowKeys.has(key)) continue;
    rowKeys.set(key, {
      family,
      group: run.dataset.group,
      R: run.dataset.R,
      objective: run.objective,
      fidelity: run.fidelity,
      mode,
      theory: theoryFor(run),
    });
  }
  const selected = new Map<string, RunResult>();
  const notRecorded = new Set<string>();
  for (const s of selections) {
    const id = `${s.key.family}|${s.key.R}|${s.key.fidelity}|${s.key.mode}|${s.key.seed}`;
    if ('selected' in s) selected.set(id, s.selected);
    if ('notRecorded' in s) notRecorded.add(id);
  }
  const seeds = [...new Set(expected.map((r) => r.seed))];
  // Without standard runs in the sweep there is no baseline: gaps are absent rather than all "missing".
  const hasBaseline = expected.some((r) => r.mode.kind === 'standard');

  const rows = [...rowKeys.values()].map(
    ({ family, group, R, objective, fidelity, mode, theory }): ReportRow => {
      const pick = (m: string, seed: number) => selected.get(`${family}|${R}|${fidelity}|${m}|${seed}`);
      const ads: number[] = [];
      const robustAds: number[] = [];
      const robustAdsPgd: number[] = [];
      const adGaps: number[] = [];
      const accuracyGaps: number[] = [];
      const perClass: ClassMetrics[] = [];
      const seedsMissing: number[] = [];
      const seedsNotRecorded: number[] = [];
      const chosen: RunResult[] = [];
      const selectedLearningRates: Record<string, number> = {};
      for (const seed of seeds) {
        const row = pick(mode, seed);
        const standard = pick('standard', seed);
        if (!row || (hasBaseline && mode !== 'standard' && !standard)) {
          seedsMissing.push(seed);
          const unrecorded = (m: string) => notRecorded.has(`${family}|${R}|${fidelity}|${m}|${seed}`);
          if (unrecorded(mode) || (mode !== 'standard' && unrecorded('standard')))
            seedsNotRecorded.push(seed);
          continue;
        }
        selectedLearningRates[String(seed)] = row.run.learningRate;
        chosen.push(row);
        ads.push(accuracyDisparity(row));
        perClass.push(classMetrics(row.metrics));
        const underTraining = robustAccuracyDisparity(row, 'trainingAttack');
        const underPgd = robustAccuracyDisparity(row, 'pgd');
        if (underTraining !== undefined) robustAds.push(underTraining);
        if (underPgd !== undefined) robustAdsPgd.push(underPgd);
        if (mode !== 'standard' && standard) {
          adGaps.push(adGap(row, standard));
          accuracyGaps.push(accuracyGap(row, standard));
        }
      }
      const withGaps = mode !== 'standard' && hasBaseline;
      const over = (pick: (m: ClassMetrics) => number | undefined) =>
        meanStderr(
          perClass.flatMap((m) => {
            const value = pick(m);
            return value === undefined ? [] : [value];
          }),
        );
      return {
        dataset: family,
        group,
        datasetName: names.get(family) ?? family,
        selection: rule,
        R,
        objective,
        fidelity,
        mode,
        ad: meanStderr(ads),
        robustAd: meanStderr(robustAds),
        robustAdPgd: meanStderr(robustAdsPgd),
        adGap: withGaps ? meanStderr(adGaps) : null,
        accuracyGap: withGaps ? meanStderr(accuracyGaps) : null,
        cleanAccuracy: [over((m) => m.cleanAccuracy[0]), over((m) => m.cleanAccuracy[1])],
        robustAccuracy: [over((m) => m.robustAccuracy?.[0]), over((m) => m.robustAccuracy?.[1])],
        boundaryError: [over((m) => m.boundaryError?.[0]), over((m) => m.boundaryError?.[1])],
        worstClassCleanAccuracy: over((m) => m.worstClassCleanAccuracy),
        worstClassRobustAccuracy: over((m) => m.worstClassRobustAccuracy),
        theory,
        ...(evaluationRecords ? { evaluations: rowEvaluations(chosen, evaluationRecords) } : {}),
        seedsMissing,
        seedsNotRecorded,
        selectedLearningRates,
      };
    },
  );
  return { rows, selections };
}

/**
 * A title for each dataset family: its group and what tells it apart, the synthetic parameters (`gaussian (dim
 * 100, mean 1 on 25, scale 2)`); the data seed and sizes only where two families would share a name.
 */
function datasetNames(expected: readonly RunSpec[]): Map<string, string> {
  const refs = new Map(expected.map((run) => [datasetFamilyId(run.dataset), run.dataset]));
  const base = (ref: RunSpec['dataset']) => {
    const p = ref.synthetic;
    return p
      ? `${ref.group} (dim ${p.dim}, mean ${p.meanValue} on ${p.meanNonZero}, scale ${p.noiseScale})`
      : ref.group;
  };
  const count = (name: string) => [...refs.values()].filter((ref) => base(ref) === name).length;
  return new Map(
    [...refs].map(([family, ref]) => {
      const name = base(ref);
      if (count(name) === 1) return [family, name];
      const { train, validation, test } = ref.sizes;
      return [family, `${name}, data seed ${ref.dataSeed}, sizes ${train}/${validation}/${test} [${family}]`];
    }),
  );
}

/**
 * Theory applies where its assumptions hold: synthetic noise (Gaussian or symmetric alpha-stable), a linear
 * model trained on the adversarial loss alone (the reference objective adds the clean loss, whose optimum has no
 * closed form here) against the exact worst-case attack, which the one-step attacks find for a linear model.
 */
function theoryFor(run: RunSpec): TheoryGaps | null {
  const { dataset, mode } = run;
  if (!dataset.synthetic || run.model !== 'linear') return null;
  // The reference fidelity's l2 step is shorter than eps for confident samples: not the worst case theory assumes.
  if (run.objective !== 'clean' || run.fidelity !== 'adgap' || mode.kind === 'standard') return null;
  // PGD's random start and bounded steps stop short of the worst case for a linear model.
  if (mode.method.name !== 'one-step') return null;
  const attack = { norm: mode.norm, eps: mode.eps };
  if (dataset.group === 'gaussian') return theoryGaps(dataset.synthetic, dataset.R, attack);
  if (dataset.group === 'cauchy' || dataset.group === 'holtsmark')
    return stableTheoryGaps(STABLE_ALPHA[dataset.group], dataset.synthetic, dataset.R, attack);
  return null;
}
