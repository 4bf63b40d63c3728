import { z } from 'zod';
import {
  DATASET_GROUPS,
  DEFAULT_SPLIT_SIZES,
  DEFAULT_SYNTHETIC_PARAMS,
  isSyntheticGroup,
  SYNTHETIC_GROUPS,
} from '../datasets/types.js';
import { ValidationError } from '../errors.js';
import { engineNames } from '../train/engines/capabilities.js';
import { ATTACK_METHODS, FIDELITIES, type Fidelity, NORMS, OBJECTIVES } from '../train/modes.js';
import { vgg11Takes } from '../train/protocol.js';
import { ROBUST_EVALUATIONS } from '../train/robustness/kept-evaluation.js';
import { MODEL_NAMES, OPTIMIZER_NAMES } from '../train/run-spec.js';
import { duplicateDatasetIssues, minorityIssues } from './dataset-rules.js';
import { nearestKey } from './key-suggestion.js';

/** protocol.md: the reference's three radii per norm are {1, 3/4, 1/2} x eps_max (`eps: auto`). */
export const AUTO_EPS_FACTORS = [1, 0.75, 0.5] as const;

/**
 * A strict object whose unknown-key error suggests the nearest allowed key and lists them all. The error is
 * about the first unknown key; parseWith puts that key into the field it names.
 */
function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const keys = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      const near = nearestKey(String(issue.keys[0]), keys);
      return `unknown key${near === undefined ? '' : `, did you mean '${near}'?`} (allowed: ${keys.join(', ')})`;
    },
  });
}

/** One of `values`; the refusal lists them, and says when the key is required (`whenMissing`). */
function oneOf<const T extends readonly [string, ...string[]]>(values: T, whenMissing: string) {
  const allowed = values.join(', ');
  return z.enum(values, {
    error: (issue) =>
      issue.input === undefined ? `${whenMissing} (allowed: ${allowed})` : `expected one of ${allowed}`,
  });
}

const positiveInt = z.number().int().positive();
const nonEmpty = <T extends z.ZodType>(item: T, what: string) =>
  z.array(item).min(1, { error: `the grid needs at least one ${what}` });

/**
 * The documented limits (README, docs/limits.md). Beyond them a value is a typo or would fail late: a run id
 * with `1e+300` in it is not a store key, a batch of 1e8 rows cannot be allocated, and seeds are taken modulo
 * 2^32 by the generator, so a larger one would silently repeat another seed's runs.
 */
export const LIMITS = {
  /** Runs per sweep file: the plan (about 600 bytes per run) stays a ~60 MB object, Batch arrays <= 10. */
  runs: 100_000,
  seed: 2 ** 31 - 1,
  learningRate: 10,
  eps: 1e6,
  batchSize: 65_536,
  splitSize: 1_000_000,
  dim: 100_000,
  pgdSteps: 10_000,
  /**
   * `meanValue` and `noiseScale`: six orders of magnitude either side of the defaults (1 and 2). Features are
   * float32; at 1e308 the class means overflow to infinity and every run fails on a manifest without radii, and
   * below 1e-6 the values drift towards float32's subnormals. Within the range, preparing and training stay
   * finite for every group at the largest dim (test/application/synthetic-bounds.test.ts).
   */
  syntheticScale: { min: 1e-6, max: 1e6 },
} as const;

/** A grid list of distinct values: a repeated value would be trained twice and counted twice in the report. */
const distinct = <T extends z.ZodType<number>>(list: z.ZodArray<T>) =>
  list.check((ctx) => {
    ctx.value.forEach((value, i) => {
      const first = ctx.value.indexOf(value);
      if (first !== i)
        ctx.issues.push({
          code: 'custom',
          path: [i],
          input: value,
          message: `repeats item [${first}]; each value may appear once (it would be trained and counted twice)`,
        });
    });
  });
const seed = z
  .number()
  .int({ error: `a seed must be a whole number from 0 to ${LIMITS.seed}` })
  .min(0, { error: `a seed must be a whole number from 0 to ${LIMITS.seed}` })
  .max(LIMITS.seed, { error: `a seed must be a whole number from 0 to ${LIMITS.seed}` });

const splitSize = positiveInt.max(LIMITS.splitSize, {
  error: `a split size must be a whole number from 1 to ${LIMITS.splitSize}`,
});

const exponent = (x: number) => x.toExponential().replace('e+', 'e');
const syntheticScaleError = `must be from ${exponent(LIMITS.syntheticScale.min)} to ${exponent(LIMITS.syntheticScale.max)}`;
const syntheticScale = z
  .number({ error: `expected a number, ${syntheticScaleError}` })
  .min(LIMITS.syntheticScale.min, { error: syntheticScaleError })
  .max(LIMITS.syntheticScale.max, { error: syntheticScaleError });

const learningRateError = `a learning rate must be > 0 and <= ${LIMITS.learningRate}`;
const learningRates = distinct(
  nonEmpty(
    z
      .number({ error: `expected a number, ${learningRateError}` })
      .positive({ error: learningRateError })
      .max(LIMITS.learningRate, { error: learningRateError }),
    'learning rate',
  ),
);
const radiusError = `a radius must be > 0 and <= ${LIMITS.eps}`;

const adversarialMode = strictObject({
  norm: oneOf(NORMS, "required with 'eps'"),
  // 'auto': {1, 3/4, 1/2} x half the distance between the class means (protocol.md), resolved from the data.
  eps: z.union(
    [
      distinct(
        nonEmpty(
          z
            .number({ error: `expected a number, ${radiusError}` })
            .positive({ error: radiusError })
            .max(LIMITS.eps, { error: radiusError }),
          'radius',
        ),
      ),
      z.literal('auto'),
    ],
    {
      error: "expected a list of radii or 'auto'",
    },
  ),
  /** Default: the dataset's (protocol.md: pgd for cifar10, one-step FGSM/FGM for the others). */
  attack: z.enum(ATTACK_METHODS).optional(),
  /** PGD only; defaults per norm in src/train/protocol.ts (linf 40, l2 50). */
  steps: positiveInt.max(LIMITS.pgdSteps, { error: `at most ${LIMITS.pgdSteps}` }).optional(),
  /** PGD only: step size = eps / stepDivisor; defaults per norm (linf 30, l2 20). */
  stepDivisor: z.number().positive({ error: 'must be > 0' }).max(1e6, { error: 'at most 1e6' }).optional(),
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
  error: `expected 'standard' or { norm: ${NORMS.join(' | ')}, eps: [radii] | auto }`,
});

/**
 * A `meanNonZero` the file gives must fit in `dim`. Left out, it is 25, or `dim` where that is smaller
 * (classMean): files such as `synthetic: { dim: 5 }` have always meant that, and their sweep ids stay.
 */
const meanNonZeroFits = z.unknown().check((ctx) => {
  const given = ctx.value as { dim?: unknown; meanNonZero?: unknown } | undefined;
  if (typeof given !== 'object' || given === null || typeof given.meanNonZero !== 'number') return;
  const dim = typeof given.dim === 'number' ? given.dim : DEFAULT_SYNTHETIC_PARAMS.dim;
  if (given.meanNonZero > dim) {
    ctx.issues.push({
      code: 'custom',
      path: ['meanNonZero'],
      input: given.meanNonZero,
      message: `must be at most dim (${dim}): the class mean has dim coordinates`,
    });
  }
});

const datasetObject = strictObject({
  group: z.enum(DATASET_GROUPS),
  dataSeed: seed.default(0),
  sizes: strictObject({
    train: splitSize.default(DEFAULT_SPLIT_SIZES.train),
    validation: splitSize.default(DEFAULT_SPLIT_SIZES.validation),
    test: splitSize.default(DEFAULT_SPLIT_SIZES.test),
  }).optional(),
  synthetic: meanNonZeroFits
    .pipe(
      strictObject({
        dim: positiveInt
          .max(LIMITS.dim, { error: `at most ${LIMITS.dim} features` })
          .default(DEFAULT_SYNTHETIC_PARAMS.dim),
        meanNonZero: positiveInt.default(DEFAULT_SYNTHETIC_PARAMS.meanNonZero),
        meanValue: syntheticScale.default(DEFAULT_SYNTHETIC_PARAMS.meanValue),
        noiseScale: syntheticScale.default(DEFAULT_SYNTHETIC_PARAMS.noiseScale),
      }),
    )
    .optional(),
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

const ratios = distinct(
  nonEmpty(
    z
      .number({ error: 'expected a number, an imbalance ratio >= 1' })
      .min(1, { error: 'an imbalance ratio must be >= 1' }),
    'imbalance ratio R',
  ),
);

export const sweepFileSchema = strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, {
    error: 'lower-case letters, digits and dashes, at most 48 characters',
  }),
  datasets: nonEmpty(datasetEntrySchema, 'dataset'),
  R: ratios,
  seeds: distinct(nonEmpty(seed, 'seed')),
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
  patience: positiveInt.max(10_000, { error: 'at most 10000' }).default(50),
  batchSize: positiveInt
    .max(LIMITS.batchSize, { error: `a batch size must be a whole number from 1 to ${LIMITS.batchSize}` })
    .default(64),
  modes: nonEmpty(mode, 'training mode'),
  /**
   * Optional: without it each job picks (linear-cpu for linear models, mlp-cpu for the MLP, unless a GPU backend loads; else tfjs).
   * Set, it is part of the definition and so of the sweep id: results of different engines never mix.
   */
  engine: z.enum(engineNames(), { error: `allowed: ${engineNames().join(', ')}` }).optional(),
  /**
   * The robust evaluations to compute (kept-evaluation.ts): `pgd` every adversarial run has; `exact` (linear
   * models) and `apgd` are computed from each run's kept weights once it is trained, as `adgap evaluate` would.
   * Not part of the sweep id (sweep-id.ts): adding one to a finished sweep's file evaluates that sweep.
   */
  evaluation: z
    .array(z.enum(ROBUST_EVALUATIONS, { error: `allowed: ${ROBUST_EVALUATIONS.join(', ')}` }))
    .refine((list) => new Set(list).size === list.length, { error: 'names an evaluation twice' })
    .optional(),
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
  for (const issue of [
    ...duplicateDatasetIssues(ctx.value.datasets),
    ...minorityIssues(ctx.value.datasets, ctx.value.R),
  ]) {
    ctx.issues.push({ code: 'custom', ...issue });
  }
  const runs = runCount(ctx.value);
  if (runs > LIMITS.runs) {
    const n = (x: number) => x.toLocaleString('en-US');
    ctx.issues.push({
      code: 'custom',
      path: [],
      input: runs,
      message: `the grid has ${n(runs)} runs, more than the limit of ${n(LIMITS.runs)} per sweep file (datasets x R x fidelities x modes x radii x seeds x learning rates); split it into several sweep files`,
    });
  }
});

/** Runs of the grid, counted without expanding it (an `eps: auto` mode has 3 radii; each fidelity trains it all). */
export function runCount(sweep: {
  datasets: readonly DatasetEntry[];
  R: readonly number[];
  seeds: readonly number[];
  learningRates: readonly number[];
  modes: readonly ModeEntry[];
  fidelity?: Fidelity | readonly Fidelity[];
}): number {
  const perSeed = (modes: readonly ModeEntry[]) =>
    modes.reduce(
      (sum, m) =>
        sum +
        (m === 'standard'
          ? sweep.learningRates.length
          : (m.eps === 'auto' ? AUTO_EPS_FACTORS.length : m.eps.length) *
            (m.learningRates ?? sweep.learningRates).length),
      0,
    );
  // A dataset entry's own modes train on it in addition to the sweep's.
  const perDataset = sweep.datasets.map(
    (entry) => perSeed(sweep.modes) + (typeof entry === 'string' ? 0 : perSeed(entry.modes ?? [])),
  );
  const fidelities = Array.isArray(sweep.fidelity) ? sweep.fidelity.length : 1;
  return perDataset.reduce((a, b) => a + b, 0) * sweep.R.length * sweep.seeds.length * fidelities;
}

type ModeEntry = z.output<typeof mode>;

export type SweepFile = z.output<typeof sweepFileSchema>;

/** The fidelities a sweep trains, each once, in the file's order; `adgap` when it names none. */
export function sweepFidelities(sweep: SweepFile): Fidelity[] {
  const named = sweep.fidelity ?? 'adgap';
  return typeof named === 'string' ? [named] : named;
}

/** Validates a parsed sweep file; the error names the first offending field, its value and what is allowed. */
export function parseSweepFile(input: unknown): SweepFile {
  const data = parseWith(sweepFileSchema, input);
  // A file that names neither objective nor fidelity parses as it did before fidelity existed (objective
  // clean), so its sweep id, a hash of this output, and so its stored results stay the same.
  return data.objective === undefined && data.fidelity === undefined ? { ...data, objective: 'clean' } : data;
}

/**
 * What `adgap data prepare` is asked for: one dataset entry at some ratios, under the sweep file's rules (the
 * same limits, and R at most the smallest split size), so the two accept the same datasets.
 */
const datasetRatiosSchema = strictObject({ dataset: datasetEntrySchema, R: ratios }).check((ctx) => {
  for (const issue of minorityIssues([ctx.value.dataset], ctx.value.R))
    ctx.issues.push({ code: 'custom', ...issue });
});

export function parseDatasetRatios(input: unknown): z.output<typeof datasetRatiosSchema> {
  return parseWith(datasetRatiosSchema, input);
}

/**
 * Parses or throws a ValidationError naming the first offending field, its value and what is allowed. An
 * unknown key comes first, wherever it is: a misspelt `seed` also leaves `seeds` missing, and "unknown key
 * seed, did you mean 'seeds'?" is the message that helps.
 */
function parseWith<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map(innermost);
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  if (!issue) throw new ValidationError('sweep', 'invalid sweep file');
  if (issue.code === 'unrecognized_keys') {
    throw new ValidationError(formatPath([...issue.path, String(issue.keys[0])]), issue.message);
  }
  const field = formatPath(issue.path);
  const value = issue.path.length === 0 ? undefined : valueAt(input, issue.path);
  // JSON has no Infinity or NaN (YAML's .inf, .nan), which JSON.stringify would show as null.
  const text = typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
  throw new ValidationError(field, `${issue.message}${value === undefined ? '' : ` (got ${text})`}`);
}

/**
 * A union (a dataset or a mode) fails as a whole; when one of its branches got past the input's type (an object
 * with a bad field, or an unknown key), that branch's issue names the field, so report it instead of the
 * union's summary.
 */
function innermost(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union') return issue;
  const branches = issue.errors.flat();
  const deeper =
    branches.find((inner) => inner.code === 'unrecognized_keys') ??
    branches.find((inner) => inner.path.length > 0);
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
