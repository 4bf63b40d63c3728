import { DATASET_GROUPS, type DatasetGroup } from '../datasets/types.js';
import { type Fidelity, impliedObjective, type Norm, type Objective } from '../train/modes.js';
import { DATASET_DEFAULTS, PGD_DEFAULTS } from '../train/protocol.js';

export const PRESETS = ['paper'] as const;
export type PresetName = (typeof PRESETS)[number];

/** The reference's radii, three per norm (protocol.md). */
export const PAPER_RADII: Record<DatasetGroup, Record<Norm, number[]>> = {
  gaussian: { l2: [5.0, 3.75, 2.5], linf: [1.0, 0.75, 0.5] },
  cauchy: { l2: [70.0, 52.5, 35.0], linf: [53.0, 39.75, 26.5] },
  holtsmark: { l2: [2.94, 2.205, 1.47], linf: [0.555, 0.4163, 0.2775] },
  mnist: { l2: [2.6956, 2.0217, 1.3478], linf: [0.4341, 0.3256, 0.2171] },
  fmnist: { l2: [3.2306, 2.423, 1.6153], linf: [0.2889, 0.2166, 0.1444] },
  cifar10: { l2: [0.9778, 0.88, 0.7822], linf: [0.0305, 0.0228, 0.0152] },
};

export const PAPER_R = [1, 2, 5, 10];
export const PAPER_SEEDS = [2, 22, 42, 62, 82];
export const PAPER_LEARNING_RATES = [0.1, 0.05, 0.01, 0.005, 0.001, 5e-4, 2e-4, 1e-4];
/** Where robust runs search their own learning rates (protocol.md: CIFAR's, only the five smallest). */
export const PAPER_ROBUST_LEARNING_RATES: Partial<Record<DatasetGroup, number[]>> = {
  cifar10: [0.005, 0.001, 5e-4, 2e-4, 1e-4],
};

/** What a paper sweep leaves to the user: which objective and fidelity produce its numbers. */
export interface PaperChoices {
  objective?: Objective;
  fidelity?: Fidelity;
}

/** `--dataset all`: the six groups of the paper's figure 1 in one sweep. */
export const ALL_GROUPS = 'all';

/** A group's two robust modes: its three radii per norm, its attack, CIFAR's own learning rates. */
function robustModes(group: DatasetGroup): Record<string, unknown>[] {
  const defaults = DATASET_DEFAULTS[group];
  const robustLearningRates = PAPER_ROBUST_LEARNING_RATES[group];
  return (['l2', 'linf'] as const).map((norm) => ({
    norm,
    eps: PAPER_RADII[group][norm],
    attack: defaults.attack,
    ...(defaults.attack === 'pgd' ? PGD_DEFAULTS[norm] : {}),
    ...(robustLearningRates ? { learningRates: robustLearningRates } : {}),
  }));
}

/**
 * The reference's grid as a sweep file, every value written out (so the file says what it runs): R {1, 2, 5,
 * 10}, 5 seeds, 8 learning rates (CIFAR robust: 5), 500 epochs, patience 50, batch 64, standard training and
 * 3 radii per norm with each group's model, optimiser and attack. Per group: 4 x 5 x 8 = 160 standard +
 * 2 x 3 x 4 x 5 x 8 = 960 robust runs; cifar10 160 + 600. `all` holds the six groups (6,360 runs), each with
 * its own radii as dataset-level modes and its own model and optimiser (the sweep names none).
 * The objective defaults to the one the fidelity implies (clean for adgap's, reference for the reference's).
 */
export function paperPreset(
  group: DatasetGroup | typeof ALL_GROUPS,
  choices: PaperChoices = {},
): Record<string, unknown> {
  const fidelity = choices.fidelity ?? 'adgap';
  const common = {
    R: PAPER_R,
    seeds: PAPER_SEEDS,
    learningRates: PAPER_LEARNING_RATES,
    objective: choices.objective ?? impliedObjective(fidelity),
    fidelity,
    epochs: 500,
    patience: 50,
    batchSize: 64,
  };
  if (group === ALL_GROUPS) {
    return {
      name: 'paper',
      datasets: DATASET_GROUPS.map((g) => ({ group: g, modes: robustModes(g) })),
      ...common,
      modes: ['standard'],
    };
  }
  const defaults = DATASET_DEFAULTS[group];
  return {
    name: `paper-${group}`,
    datasets: [group],
    model: defaults.model,
    optimizer: defaults.optimizer,
    ...common,
    modes: ['standard', ...robustModes(group)],
  };
}
