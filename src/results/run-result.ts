import { z } from 'zod';
import { DATASET_GROUPS } from '../datasets/types.js';
import { KEY_SEGMENT } from '../store/object-store.js';
import { SWEEP_ID_PATTERN } from '../sweep/sweep-id.js';
import type { RunOutcome } from '../train/engine.js';
import { engineNames } from '../train/engines/capabilities.js';
import { FIDELITIES, NORMS, OBJECTIVES } from '../train/modes.js';
import { type Checkpoints, classMetrics, type RunMetrics } from '../train/result.js';
import { MODEL_NAMES, OPTIMIZER_NAMES, type RunSpec } from '../train/run-spec.js';
import type { StoredWeights } from './kept-weights.js';

/** 2: RunSpec has `objective` and the attack method of its mode; metrics may have `robust`. 3: `fidelity`. */
export const RESULT_SCHEMA_VERSION = 3;

/** The result document of one finished run, as the store holds it (schemas/run-result.schema.json). */
export interface RunResult {
  schemaVersion: typeof RESULT_SCHEMA_VERSION;
  sweepId: string;
  run: RunSpec;
  /** A name of the engine table (src/train/engines/table.ts); the schema below checks it on read. */
  engine: string;
  backend: string;
  epochsRun: number;
  bestEpoch: number;
  /** The run's own wall time and its group's (RunWallTime in src/train/engine.ts). */
  runWallSeconds: number;
  cellWallSeconds: number;
  metrics: RunMetrics;
  /** Other checkpoints, for the report's other selection rules; absent in results written before them. */
  checkpoints?: Checkpoints;
  /** The selected checkpoint's weights (results/kept-weights.ts); absent: weights not kept. */
  weights?: StoredWeights;
  finishedAt: string;
}

/**
 * The result of a run an engine trained: the outcome with the sweep, the engine and when it finished; its
 * weights, once stored, are named by `weights`.
 */
export function runResult(
  sweepId: string,
  engine: { name: string; backend: string },
  outcome: Extract<RunOutcome, { trained: unknown }>,
  finishedAt: Date,
  weights?: StoredWeights,
): RunResult {
  const { epochsRun, bestEpoch, metrics, checkpoints } = outcome.trained;
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    sweepId,
    run: outcome.run,
    engine: engine.name,
    backend: engine.backend,
    epochsRun,
    bestEpoch,
    metrics: { ...metrics, perClass: classMetrics(metrics) },
    checkpoints,
    ...(weights ? { weights } : {}),
    runWallSeconds: outcome.runWallSeconds,
    cellWallSeconds: outcome.cellWallSeconds,
    finishedAt: finishedAt.toISOString(),
  };
}

// The JSON Schema of a result (schemas/run-result.schema.json, `npm run schemas` writes it) is generated from
// the schemas below: ids name its $defs.
const positive = () => z.number().positive();
const count = z.int().min(0);
const perClass = z.tuple([count, count]).meta({ id: 'perClass' });
const rate = z.number().min(0).max(1).meta({ id: 'rate' });
const perClassRate = z.tuple([rate, rate]).meta({ id: 'perClassRate' });

const splitMetrics = z
  .strictObject({
    // JSON has no NaN: JSON.stringify writes a NaN loss as null.
    loss: z.number().nullable().describe('mean clean cross-entropy (null if it was NaN)'),
    correct: perClass.describe('correctly classified samples: [majority, minority]'),
    total: perClass.describe('samples: [majority, minority]'),
  })
  .meta({ id: 'splitMetrics' });

const attackMethod = z
  .discriminatedUnion('name', [
    z.strictObject({ name: z.literal('one-step').describe('FGSM for linf, FGM for l2') }),
    z.strictObject({ name: z.literal('pgd'), steps: z.int().min(1), stepSize: positive() }),
  ])
  .meta({ id: 'attackMethod' });

const norm = z.enum(NORMS);

const robustEvaluation = z
  .strictObject({
    attack: z.strictObject({ norm, eps: positive(), method: attackMethod }),
    testBalanced: splitMetrics,
  })
  .meta({ id: 'robustEvaluation' });

const positiveInt = z.int().min(1);

const checkpoint = z
  .strictObject({
    epoch: positiveInt,
    robustValidationLoss: z
      .number()
      .nullable()
      .optional()
      .describe('mean cross-entropy on the validation split under the training attack (null if NaN)'),
    validation: splitMetrics,
    testImbalanced: splitMetrics,
    testBalanced: splitMetrics,
  })
  .meta({ id: 'checkpoint' });

const runSpec = z
  .strictObject({
    runId: z.string().regex(KEY_SEGMENT),
    dataset: z.strictObject({
      group: z.enum(DATASET_GROUPS),
      R: z.number().min(1),
      dataSeed: count,
      sizes: z.strictObject({ train: positiveInt, validation: positiveInt, test: positiveInt }),
      synthetic: z
        .strictObject({
          dim: positiveInt,
          meanNonZero: positiveInt,
          meanValue: z.number(),
          noiseScale: positive(),
        })
        .optional(),
    }),
    model: z.enum(MODEL_NAMES),
    optimizer: z.enum(OPTIMIZER_NAMES),
    objective: z
      .enum(OBJECTIVES)
      .describe("reference: the attack's parameter gradients leak into the update (docs/protocol-notes.md)"),
    fidelity: z
      .enum(FIDELITIES)
      .describe(
        "reference: the reference code's validation loss (mean of per-batch means), advertorch's small-norm rule in l2 attacks and the float32 gradient's sign in linf ones (docs/protocol-notes.md); results of schemaVersion 2 trained with adgap",
      ),
    learningRate: positive(),
    seed: count,
    maxEpochs: positiveInt,
    patience: positiveInt,
    batchSize: positiveInt,
    mode: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('standard') }),
      z.strictObject({
        kind: z.literal('adversarial'),
        norm,
        eps: positive(),
        auto: z
          .strictObject({ epsMax: positive(), factor: positive().max(1) })
          .optional()
          .describe(
            'Present for eps: auto in the sweep file: eps = factor x epsMax, epsMax = half the lp distance between the class means of the R = 1 training split (docs/datasets.md).',
          ),
        method: attackMethod,
      }),
    ]),
  })
  .meta({ id: 'runSpec' });

/** The stored result document, for the JSON Schema and the API's description of it. */
export const runResultSchema = z
  .strictObject({
    schemaVersion: z
      .literal(RESULT_SCHEMA_VERSION)
      .describe(
        "2: run.objective, mode.method and metrics.robust; 3: run.fidelity, runWallSeconds and cellWallSeconds (instead of wallSeconds, which was the group's time), metrics.perClass",
      ),
    sweepId: z.string().regex(SWEEP_ID_PATTERN),
    run: runSpec,
    engine: z.enum(engineNames()).describe('the training engine'),
    backend: z
      .string()
      .describe(
        'where it trained: for tfjs its backend (tensorflow, wasm or cpu); for linear-cpu wasm-simd (its kernels); for mlp-cpu its hidden-layer products (native-avx512, native-avx2 or wasm-simd); for cuda, cuda and its GPU, or host (its CPU build)',
      ),
    epochsRun: positiveInt,
    bestEpoch: count.describe(
      'epoch of the lowest clean validation loss, whose weights were restored (0 = the initial weights)',
    ),
    runWallSeconds: z
      .number()
      .min(0)
      .describe(
        "the run's own wall time: alone, its training and evaluation; trained together with other runs (a stacked cell, a linear-cpu group of one seed), its equal share of every epoch it trained in plus its own evaluation, so the shares of a group add up to the group's time",
      ),
    cellWallSeconds: z
      .number()
      .min(0)
      .describe(
        'wall time from the start of the group the run trained in until its result: what a user waited for it (equal to runWallSeconds for a run trained alone)',
      ),
    metrics: z.strictObject({
      validation: splitMetrics,
      testImbalanced: splitMetrics,
      testBalanced: splitMetrics,
      perClass: z
        .strictObject({
          cleanAccuracy: perClassRate,
          worstClassCleanAccuracy: rate,
          robustAccuracy: perClassRate.optional(),
          worstClassRobustAccuracy: rate.optional(),
          boundaryError: z.tuple([z.number().min(-1).max(1), z.number().min(-1).max(1)]).optional(),
        })
        .optional()
        .describe(
          "Derived from the counts on the balanced test set, index 0 = majority, 1 = minority: per-class clean accuracy, robust accuracy under evaluation PGD (metrics.robust.pgd), boundary error = clean minus robust accuracy, and the worst class's; standard runs have no robust figures",
        ),
      robust: z
        .strictObject({ trainingAttack: robustEvaluation, pgd: robustEvaluation })
        .optional()
        .describe(
          'Adversarial runs only: the balanced test set attacked with the training attack and with evaluation PGD (docs/protocol-notes.md)',
        ),
    }),
    checkpoints: z
      .strictObject({
        robustValidation: checkpoint
          .optional()
          .describe(
            'adversarial runs: the epoch (1 on) with the lowest validation loss under the training attack',
          ),
        lastEpoch: checkpoint.describe('the weights the run stopped with'),
      })
      .optional()
      .describe(
        "Checkpoints other than the restored one, evaluated clean when the run reached them, for the report's other model-selection rules (robust-val, last-epoch); absent in results written before they were recorded",
      ),
    weights: z
      .strictObject({
        key: z.string().describe('sweeps/<sweepId>/weights/<runId>.<sha256[:16]>.npy'),
        sha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/)
          .describe('of the .npy object'),
        widths: z
          .array(positiveInt)
          .min(2)
          .describe('layer widths, input first: linear [d, 2], MLP [d, 200, 2]'),
      })
      .optional()
      .describe(
        "The selected checkpoint's weights, a float32 .npy vector: per layer its weight [in][out] then its bias [out] (docs/store.md). Absent: weights not kept (results written before adgap kept them, and VGG11's)",
      ),
    finishedAt: z.iso.datetime(),
  })
  .meta({
    title: 'adgap run result',
    description:
      'One finished training run: every input that defines it, the metrics of protocol.md, and how it was computed. Stored write-once at sweeps/<sweepId>/results/<runId>.json.',
  });

/** schemas/run-result.schema.json: what `npm run schemas` writes and a test compares with the committed file. */
export function runResultJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://adgap.dev/schemas/run-result.schema.json',
    ...z.toJSONSchema(runResultSchema, { target: 'draft-2020-12' }),
  };
}
