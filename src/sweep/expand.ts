import { datasetId } from '../datasets/dataset-id.js';
import type { EpsMax } from '../datasets/radii.js';
import type { DatasetGroup, DatasetRef } from '../datasets/types.js';
import { AdgapError, ValidationError } from '../errors.js';
import { impliedObjective, type TrainingMode } from '../train/modes.js';
import { DATASET_DEFAULTS, pgdMethod } from '../train/protocol.js';
import { fidelitySuffix, modeId, type RunSpec } from '../train/run-spec.js';
import { datasetOfEntry } from './dataset-rules.js';
import { AUTO_EPS_FACTORS, type DatasetEntry, type SweepFile, sweepFidelities } from './schema.js';

/** The datasets of one sweep entry, one per R, with every default made explicit (so dataset ids are stable). */
export function entryRefs(entry: DatasetEntry, ratios: readonly number[]): DatasetRef[] {
  const { group, dataSeed, sizes, synthetic } = datasetOfEntry(entry);
  // Keys in the order manifests have always recorded them (a manifest's text is compared when preparers race).
  return ratios.map((R) => ({ group, R, dataSeed, sizes, ...(synthetic && { synthetic }) }));
}

/** The datasets of a sweep: every entry at every R. */
export function datasetRefs(sweep: SweepFile): DatasetRef[] {
  return sweep.datasets.flatMap((entry) => entryRefs(entry, sweep.R));
}

/** eps_max per dataset id, for sweeps with `eps: auto` (resolveAutoRadii reads it from the prepared data). */
export type AutoRadii = Record<string, EpsMax>;

export function usesAutoRadii(sweep: SweepFile): boolean {
  const modes = [...sweep.modes, ...sweep.datasets.flatMap(entryModes)];
  return modes.some((m) => m !== 'standard' && m.eps === 'auto');
}

type SweepMode = SweepFile['modes'][number];

/** The modes a dataset entry adds to the sweep's. */
function entryModes(entry: DatasetEntry): SweepMode[] {
  return typeof entry === 'string' ? [] : (entry.modes ?? []);
}

/** A training mode with the learning rates it is trained at. */
export interface ModeGrid {
  mode: TrainingMode;
  learningRates: number[];
}

/**
 * The training modes of a sweep for one dataset (the sweep's, then the dataset entry's own), each with its
 * learning-rate grid: an adversarial mode without `attack` uses the group's default (protocol.md: PGD for
 * cifar10), PGD without steps the protocol's. `epsMax` is the dataset's, needed only for `eps: auto`.
 */
export function trainingModes(
  sweep: SweepFile,
  entry: DatasetEntry,
  group: DatasetGroup,
  epsMax?: EpsMax,
): ModeGrid[] {
  return [...sweep.modes, ...entryModes(entry)].flatMap((m): ModeGrid[] => {
    if (m === 'standard') return [{ mode: { kind: 'standard' }, learningRates: sweep.learningRates }];
    const attack = m.attack ?? DATASET_DEFAULTS[group].attack;
    const adversarial = (eps: number, auto?: { epsMax: number; factor: number }): ModeGrid => ({
      mode: {
        kind: 'adversarial',
        norm: m.norm,
        eps,
        ...(auto && { auto }),
        method: attack === 'pgd' ? pgdMethod(m.norm, eps, m.steps, m.stepDivisor) : { name: 'one-step' },
      },
      learningRates: m.learningRates ?? sweep.learningRates,
    });
    if (m.eps !== 'auto') return m.eps.map((eps) => adversarial(eps));
    if (!epsMax)
      throw new AdgapError(
        "the sweep uses 'eps: auto', which needs the radii of its datasets (resolveAutoRadii)",
      );
    const max = epsMax[m.norm];
    return AUTO_EPS_FACTORS.map((factor) => adversarial(factor * max, { epsMax: max, factor }));
  });
}

/**
 * The full grid: datasets x R x fidelities x modes x seeds x learning rates, in that nesting order. Model and
 * optimiser are the sweep's or, when it names none, each dataset's (protocol.md); the objective is the sweep's
 * or, when it names none, the one the run's fidelity implies.
 */
export function expandRuns(sweep: SweepFile, autoRadii: AutoRadii = {}): RunSpec[] {
  const runs: RunSpec[] = [];
  const entries = sweep.datasets.flatMap((entry) => entryRefs(entry, sweep.R).map((ref) => ({ entry, ref })));
  for (const { entry, ref: dataset } of entries) {
    const id = datasetId(dataset);
    const defaults = DATASET_DEFAULTS[dataset.group];
    const modes = trainingModes(sweep, entry, dataset.group, autoRadii[id]);
    for (const fidelity of sweepFidelities(sweep)) {
      const modeIds = new Set<string>();
      for (const { mode, learningRates } of modes) {
        const mid = modeId(mode);
        if (modeIds.has(mid)) {
          throw new ValidationError(
            'modes',
            `two modes give the same runs (${mid}); give them different radii, attacks or step counts`,
          );
        }
        modeIds.add(mid);
        for (const seed of sweep.seeds) {
          for (const learningRate of learningRates) {
            runs.push({
              runId: `${id}-${mid}${fidelitySuffix(fidelity)}-s${seed}-lr${learningRate}`,
              dataset,
              model: sweep.model ?? defaults.model,
              optimizer: sweep.optimizer ?? defaults.optimizer,
              objective: sweep.objective ?? impliedObjective(fidelity),
              fidelity,
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
  }
  return runs;
}
