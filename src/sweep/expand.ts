import { datasetId } from '../datasets/dataset-id.js';
import type { EpsMax } from '../datasets/radii.js';
import {
  type DatasetRef,
  DEFAULT_SPLIT_SIZES,
  DEFAULT_SYNTHETIC_PARAMS,
  isSyntheticGroup,
} from '../datasets/types.js';
import { AdgapError } from '../errors.js';
import { modeId, type RunSpec, type TrainingMode } from '../train/run-spec.js';
import type { DatasetEntry, SweepFile } from './schema.js';

/** The datasets of one sweep entry, one per R, with every default made explicit (so dataset ids are stable). */
export function entryRefs(entry: DatasetEntry, ratios: readonly number[]): DatasetRef[] {
  const spec = typeof entry === 'string' ? { group: entry, dataSeed: 0 } : entry;
  return ratios.map((R) => {
    const ref: DatasetRef = {
      group: spec.group,
      R,
      dataSeed: spec.dataSeed,
      sizes: ('sizes' in spec && spec.sizes) || DEFAULT_SPLIT_SIZES,
    };
    if (isSyntheticGroup(spec.group))
      ref.synthetic = ('synthetic' in spec && spec.synthetic) || DEFAULT_SYNTHETIC_PARAMS;
    return ref;
  });
}

/** The datasets of a sweep: every entry at every R. */
export function datasetRefs(sweep: SweepFile): DatasetRef[] {
  return sweep.datasets.flatMap((entry) => entryRefs(entry, sweep.R));
}

/** protocol.md: the reference's three radii per norm are {1, 3/4, 1/2} x eps_max. */
export const AUTO_EPS_FACTORS = [1, 0.75, 0.5] as const;

/** eps_max per dataset id, for sweeps with `eps: auto` (resolveAutoRadii reads it from the prepared data). */
export type AutoRadii = Record<string, EpsMax>;

export function usesAutoRadii(sweep: SweepFile): boolean {
  return sweep.modes.some((m) => m !== 'standard' && m.eps === 'auto');
}

/** The training modes of a sweep for one dataset; `epsMax` is that dataset's, needed only for `eps: auto`. */
export function trainingModes(sweep: SweepFile, epsMax?: EpsMax): TrainingMode[] {
  return sweep.modes.flatMap((m): TrainingMode[] => {
    if (m === 'standard') return [{ kind: 'standard' }];
    if (m.eps !== 'auto') return m.eps.map((eps) => ({ kind: 'adversarial', norm: m.norm, eps }));
    if (!epsMax)
      throw new AdgapError(
        "the sweep uses 'eps: auto', which needs the radii of its datasets (resolveAutoRadii)",
      );
    const max = epsMax[m.norm];
    return AUTO_EPS_FACTORS.map((factor) => ({
      kind: 'adversarial',
      norm: m.norm,
      eps: factor * max,
      auto: { epsMax: max, factor },
    }));
  });
}

/** The full grid: datasets x R x modes x seeds x learning rates, in that nesting order. */
export function expandRuns(sweep: SweepFile, autoRadii: AutoRadii = {}): RunSpec[] {
  const runs: RunSpec[] = [];
  for (const dataset of datasetRefs(sweep)) {
    const id = datasetId(dataset);
    for (const mode of trainingModes(sweep, autoRadii[id])) {
      for (const seed of sweep.seeds) {
        for (const learningRate of sweep.learningRates) {
          runs.push({
            runId: `${id}-${modeId(mode)}-s${seed}-lr${learningRate}`,
            dataset,
            model: 'linear',
            optimizer: 'adam',
            learningRate,
            seed,
            maxEpochs: sweep.epochs,
            patience: sweep.patience,
            batchSize: sweep.batchSize,
            mode,
          });
        }
      }
    }
  }
  return runs;
}
