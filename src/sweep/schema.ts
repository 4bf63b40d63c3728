import { z } from 'zod';
import {
  DATASET_GROUPS,
  DEFAULT_SPLIT_SIZES,
  DEFAULT_SYNTHETIC_PARAMS,
  isSyntheticGroup,
  SYNTHETIC_GROUPS,
} from '../datasets/types.js';
import { ValidationError } from '../errors.js';
import { vgg11Takes } from '../train/protocol.js';
import { ENGINE_NAMES } from '../train/result.js';
import { FIDELITIES, type Fidelity, MODEL_NAMES, OBJECTIVES, OPTIMIZER_NAMES } from '../train/run-spec.js';

/** A strict object whose unknown-key error lists the allowed keys. */
function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key ${issue.keys.join(', ')} (allowed: ${allowed})`
        : undefined,
  });
}

const positiveInt = z.number().int().positive();
const nonEmpty = <T extends z.ZodType>(item: T, what: string) =>
  z.array(item).min(1, { error: `the grid needs at least one ${what}` });

const learningRates = nonEmpty(
  z.number().positive({ error: 'a learning rate must be > 0' }),
  'learning rate',
);

const adversarialMode = strictObject({
  norm: z.enum(['linf', 'l2'], { error: "required with 'eps' (allowed: linf, l2)" }),
  // 'auto': {1, 3/4, 1/2} x half the distance between the class means (protocol.md), resolved from the data.
  eps: z.union(
    [nonEmpty(z.number().positive({ error: 'a radius must be > 0' }), 'radius'), z.literal('auto')],
    {
      error: "expected a list of radii or 'auto'",
    },
  ),
  /** Default: the dataset's (protocol.md: pgd for cifar10, one-step FGSM/FGM for the others). */
  attack: z.enum(['one-step', 'pgd']).optional(),
  /** PGD only; defaults per norm in src/train/protocol.ts (linf 40, l2 50). */
  steps: positiveInt.optional(),
  /** PGD only: step size = eps / stepDivisor; defaults per norm (linf 30, l2 20). */
  stepDivisor: z.number().positive({ error: 'must be > 0' }).optional(),
  /** This mode's learning-rate grid instead of the sweep's (protocol.md: CIFAR's robust runs use 5). */
  learningRates: learningRates.optional(),
}).check((ctx) => {
  for (const key of ['steps', 'stepDivisor'] as const) {
    if (ctx.value[key] !== undefined && ctx.value.attack !== 'pgd') {
      ctx.issues.push({
        code: 'custom',
        path: [key],
        input: ctx.value[key],
        message: "only with 'attack: pgd'",
      });
    }
  }
});

const mode = z.union([z.literal('standard'), adversarialMode], {
  error: "expected 'standard' or { norm: linf | l2, eps: [radii] | auto }",
});

const datasetObject = strictObject({
  group: z.enum(DATASET_GROUPS),
  dataSeed: z.number().int().nonnegative().default(0),
  sizes: strictObject({
    train: positiveInt.default(DEFAULT_SPLIT_SIZES.train),
    validation: positiveInt.default(DEFAULT_SPLIT_SIZES.validation),
    test: positiveInt.default(DEFAULT_SPLIT_SIZES.test),
  }).optional(),
  synthetic: strictObject({
    dim: positiveInt.default(DEFAULT_SYNTHETIC_PARAMS.dim),
    meanNonZero: positiveInt.default(DEFAULT_SYNTHETIC_PARAMS.meanNonZero),
    meanValue: z.number().positive().default(DEFAULT_SYNTHETIC_PARAMS.meanValue),
    noiseScale: z.number().positive().default(DEFAULT_SYNTHETIC_PARAMS.noiseScale),
  }).optional(),
  /**
   * Modes trained on this dataset only, in addition to the sweep's `modes`: radii are per dataset, so one sweep
   * can hold the paper's six groups (`adgap sweep init --preset paper --dataset all`).
   */
  modes: nonEmpty(mode, 'training mode').optional(),
}).check((ctx) => {
  if (ctx.value.synthetic && !isSyntheticGroup(ctx.value.group)) {
    ctx.issues.push({
      code: 'custom',
      path: ['synthetic'],
      input: ctx.value.synthetic,
      message: `only for the synthetic groups (${SYNTHETIC_GROUPS.join(', ')}), not ${ctx.value.group}`,
    });
  }
});

/** A group name alone means that group with every default. */
export const datasetEntrySchema = z.union([z.enum(DATASET_GROUPS), datasetObject], {
  error: `expected a dataset group (one of ${DATASET_GROUPS.join(', ')}) or an object with 'group'`,
});

export type DatasetEntry = z.output<typeof datasetEntrySchema>;

export const sweepFileSchema = strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, {
    error: 'lower-case letters, digits and dashes, at most 48 characters',
  }),
  datasets: nonEmpty(datasetEntrySchema, 'dataset'),
  R: nonEmpty(z.number().min(1, { error: 'an imbalance ratio must be >= 1' }), 'imbalance ratio R'),
  seeds: nonEmpty(z.number().int().nonnegative({ error: 'a seed must be an integer >= 0' }), 'seed'),
  learningRates,
  /** Default: each dataset's model and optimiser (protocol.md, src/train/protocol.ts). */
  model: z.enum(MODEL_NAMES).optional(),
  optimizer: z.enum(OPTIMIZER_NAMES).optional(),
  /** Without it: `reference` for reference-fidelity runs, `clean` for the others (impliedObjective). */
  objective: z.enum(OBJECTIVES).optional(),
  /**
   * `adgap` (default) or `reference` (run-spec.ts); a list trains the grid once per fidelity, so the two can be
   * compared in one report (each row names its fidelity).
   */
  fidelity: z
    .union([z.enum(FIDELITIES), nonEmpty(z.enum(FIDELITIES), 'fidelity')], {
      error: `expected ${FIDELITIES.join(' or ')}, or a list of them`,
    })
    .optional(),
  epochs: positiveInt.max(10_000).default(500),
  patience: positiveInt.default(50),
  batchSize: positiveInt.default(64),
  modes: nonEmpty(mode, 'training mode'),
  /**
   * Optional: without it each job picks (linear-cpu for linear models, mlp-cpu for the MLP, unless a GPU backend loads; else tfjs).
   * Set, it is part of the definition and so of the sweep id: results of different engines never mix.
   */
  engine: z.enum(ENGINE_NAMES, { error: `allowed: ${ENGINE_NAMES.join(', ')}` }).optional(),
}).check((ctx) => {
  const { fidelity } = ctx.value;
  if (Array.isArray(fidelity) && new Set(fidelity).size < fidelity.length) {
    ctx.issues.push({
      code: 'custom',
      path: ['fidelity'],
      input: fidelity,
      message: 'names a fidelity twice',
    });
  }
  const groups = ctx.value.datasets.map((entry) => (typeof entry === 'string' ? entry : entry.group));
  const notImages = groups.filter((group) => !vgg11Takes(group));
  if (ctx.value.model === 'vgg11' && notImages.length > 0) {
    ctx.issues.push({
      code: 'custom',
      path: ['model'],
      input: ctx.value.model,
      message: `vgg11 takes 3x32x32 images, which only ${DATASET_GROUPS.filter(vgg11Takes).join(', ')} has (not ${notImages.join(', ')})`,
    });
  }
});

export type SweepFile = z.output<typeof sweepFileSchema>;

/** The fidelities a sweep trains, each once, in the file's order; `adgap` when it names none. */
export function sweepFidelities(sweep: SweepFile): Fidelity[] {
  const named = sweep.fidelity ?? 'adgap';
  return typeof named === 'string' ? [named] : named;
}

/** Validates a parsed sweep file; the error names the first offending field, its value and what is allowed. */
export function parseSweepFile(input: unknown): SweepFile {
  const parsed = sweepFileSchema.safeParse(input);
  if (parsed.success) {
    // A file that names neither objective nor fidelity parses as it did before fidelity existed (objective
    // clean), so its sweep id, a hash of this output, and so its stored results stay the same.
    const { data } = parsed;
    return data.objective === undefined && data.fidelity === undefined
      ? { ...data, objective: 'clean' }
      : data;
  }
  const first = parsed.error.issues[0];
  if (!first) throw new ValidationError('sweep', 'invalid sweep file');
  const issue = innermost(first);
  const field = formatPath(issue.path);
  const value = valueAt(input, issue.path);
  const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
  throw new ValidationError(field, `${issue.message}${issue.code === 'unrecognized_keys' ? '' : shown}`);
}

/**
 * A union (a dataset or a mode) fails as a whole; when one of its branches got past the input's type (an object
 * with a bad field), that branch's issue names the field, so report it instead of the union's summary.
 */
function innermost(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union') return issue;
  const deeper = issue.errors.flat().find((inner) => inner.path.length > 0);
  return deeper ? innermost({ ...deeper, path: [...issue.path, ...deeper.path] }) : issue;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path)
    out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  return out === '' ? 'sweep' : out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}
