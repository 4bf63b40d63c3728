import {
  type DatasetGroup,
  type DatasetRef,
  DEFAULT_SPLIT_SIZES,
  DEFAULT_SYNTHETIC_PARAMS,
} from '../datasets/types.js';
import { ValidationError } from '../errors.js';
import { shortHash } from '../hash.js';
import { DATASET_DEFAULTS, pgdMethod } from '../train/protocol.js';
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

/** A training mode with the learning rates it is trained at. */
export interface ModeGrid {
  mode: TrainingMode;
  learningRates: number[];
}

/**
 * The training modes of a sweep for one dataset group, each with its learning-rate grid: an adversarial mode
 * without `attack` uses the group's default (protocol.md: PGD for cifar10), PGD without steps the protocol's.
 */
export function trainingModes(sweep: SweepFile, group: DatasetGroup): ModeGrid[] {
  return sweep.modes.flatMap((m): ModeGrid[] => {
    if (m === 'standard') return [{ mode: { kind: 'standard' }, learningRates: sweep.learningRates }];
    const attack = m.attack ?? DATASET_DEFAULTS[group].attack;
    return m.eps.map((eps) => ({
      mode: {
        kind: 'adversarial',
        norm: m.norm,
        eps,
        method: attack === 'pgd' ? pgdMethod(m.norm, eps, m.steps, m.stepDivisor) : { name: 'one-step' },
      },
      learningRates: m.learningRates ?? sweep.learningRates,
    }));
  });
}

/**
 * The full grid: datasets x R x modes x seeds x learning rates, in that nesting order. Model and optimiser
 * are the sweep's or, when it names none, each dataset's (protocol.md).
 */
export function expandRuns(sweep: SweepFile): RunSpec[] {
  const runs: RunSpec[] = [];
  for (const dataset of datasetRefs(sweep)) {
    const defaults = DATASET_DEFAULTS[dataset.group];
    const modeIds = new Set<string>();
    for (const { mode, learningRates } of trainingModes(sweep, dataset.group)) {
      const id = modeId(mode);
      if (modeIds.has(id)) {
        throw new ValidationError(
          'modes',
          `two modes give the same runs (${id}); give them different radii, attacks or step counts`,
        );
      }
      modeIds.add(id);
      for (const seed of sweep.seeds) {
        for (const learningRate of learningRates) {
          runs.push({
            runId: `${datasetId(dataset)}-${id}-s${seed}-lr${learningRate}`,
            dataset,
            model: sweep.model ?? defaults.model,
            optimizer: sweep.optimizer ?? defaults.optimizer,
            objective: sweep.objective,
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
