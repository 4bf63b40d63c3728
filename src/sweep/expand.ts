import { type DatasetRef, DEFAULT_SPLIT_SIZES, DEFAULT_SYNTHETIC_PARAMS } from '../datasets/types.js';
import { shortHash } from '../hash.js';
import { modeId, type RunSpec, type TrainingMode } from '../train/run-spec.js';
import type { SweepFile } from './schema.js';

const SYNTHETIC_GROUPS = new Set(['gaussian', 'cauchy', 'holtsmark']);

/** The datasets of a sweep entry, one per R, with every default made explicit. */
export function datasetRefs(sweep: SweepFile): DatasetRef[] {
  return sweep.datasets.flatMap((entry) => {
    const spec = typeof entry === 'string' ? { group: entry, dataSeed: 0 } : entry;
    return sweep.R.map((R) => {
      const ref: DatasetRef = {
        group: spec.group,
        R,
        dataSeed: spec.dataSeed,
        sizes: ('sizes' in spec && spec.sizes) || DEFAULT_SPLIT_SIZES,
      };
      if (SYNTHETIC_GROUPS.has(spec.group)) {
        ref.synthetic = ('synthetic' in spec && spec.synthetic) || DEFAULT_SYNTHETIC_PARAMS;
      }
      return ref;
    });
  });
}

/** A readable, unique, store-safe id for a dataset: group, R, data seed and a hash of the rest. */
export function datasetId(ref: DatasetRef): string {
  return `${ref.group}-R${ref.R}-d${ref.dataSeed}-${shortHash(ref, 6)}`;
}

export function trainingModes(sweep: SweepFile): TrainingMode[] {
  return sweep.modes.flatMap((m): TrainingMode[] =>
    m === 'standard'
      ? [{ kind: 'standard' }]
      : m.eps.map((eps) => ({ kind: 'adversarial', norm: m.norm, eps })),
  );
}

/** The full grid: datasets x R x modes x seeds x learning rates, in that nesting order. */
export function expandRuns(sweep: SweepFile): RunSpec[] {
  const runs: RunSpec[] = [];
  for (const dataset of datasetRefs(sweep)) {
    for (const mode of trainingModes(sweep)) {
      for (const seed of sweep.seeds) {
        for (const learningRate of sweep.learningRates) {
          runs.push({
            runId: `${datasetId(dataset)}-${modeId(mode)}-s${seed}-lr${learningRate}`,
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
