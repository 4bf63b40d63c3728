/**
 * `npm run bench`: model-epochs per second of each engine on the protocol's shapes, with a PyTorch peer timed
 * in the same run so the ratios hold on a noisy machine. Prints one JSON line per measurement.
 * A benchmark, not a test: nothing here asserts; docs/performance.md reads the numbers.
 */
import { spawnSync } from 'node:child_process';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { assembleSplits } from '../src/datasets/splits.js';
import { syntheticPools } from '../src/datasets/synthetic.js';
import {
  DEFAULT_SPLIT_SIZES,
  DEFAULT_SYNTHETIC_PARAMS,
  featureCount,
  type LoadedDataset,
} from '../src/datasets/types.js';
import { type MeasuredRate, ratesFileSchema } from '../src/sweep/wall-time.js';
import { createLinearCpuEngine } from '../src/train/engines/linear-cpu/engine.js';
import { createMlpCpuEngine } from '../src/train/engines/mlp-cpu/engine.js';
import { StackedCell } from '../src/train/engines/tfjs/stacked-cell.js';
import { tf, useFastestBackend } from '../src/train/engines/tfjs-shared/tf.js';
import type { EpochCell } from '../src/train/epoch-driver.js';
import { finalMetrics } from '../src/train/evaluation.js';
import { type TrainingMode, trainingAttack } from '../src/train/modes.js';
import { pgdMethod } from '../src/train/protocol.js';
import { gradientPassesPerSample, type RunSpec } from '../src/train/run-spec.js';

const SEEDS = [2, 22, 42, 62, 82];
const LEARNING_RATES = [0.1, 0.05, 0.01, 0.005, 0.001, 5e-4, 2e-4, 1e-4];

interface Case {
  name: string;
  data: LoadedDataset;
  mode: TrainingMode;
  /** The linear model (on linear-cpu) unless set; the MLP trains on mlp-cpu. */
  model?: 'mlp';
  /**
   * Epochs timed per engine, enough to dwarf timer noise and few enough for 5 minutes on 2 busy cores; 0 skips
   * that engine. The wasm engine trains its cell twice, for `wasm` and for one epoch (see wasmCell).
   */
  epochs: { wasm: number; tfjs: number; torch: number };
}

/** 4000 + 4000 training samples (R = 1) unless `sizes` says otherwise. */
function gaussian(dim: number, sizes = DEFAULT_SPLIT_SIZES): LoadedDataset {
  const synthetic = { ...DEFAULT_SYNTHETIC_PARAMS, dim };
  return {
    ref: { group: 'gaussian', R: 1, dataSeed: 0, sizes, synthetic },
    featureShape: [dim],
    pixelRange: false,
    splits: assembleSplits(syntheticPools('gaussian', synthetic, sizes, 0), sizes, 1),
  };
}

/** MNIST's shape and range: 784 features in [0,1], attacks clip. */
function pixelShaped(dim: number, sizes = DEFAULT_SPLIT_SIZES): LoadedDataset {
  const data = gaussian(dim, sizes);
  const squash = (x: Float32Array) => x.map((v) => Math.min(Math.max(0.5 + v / 8, 0), 1));
  const splits = Object.fromEntries(
    Object.entries(data.splits).map(([name, split]) => [name, { ...split, x: squash(split.x) }]),
  ) as LoadedDataset['splits'];
  return { ...data, pixelRange: true, splits };
}

function cellRuns(c: Case, maxEpochs: number): RunSpec[] {
  const { data, mode } = c;
  return SEEDS.flatMap((seed) =>
    LEARNING_RATES.map((learningRate) => ({
      runId: `s${seed}-lr${learningRate}`,
      dataset: data.ref,
      model: c.model ?? ('linear' as const),
      // The protocol's optimisers: Adam for the linear models, SGD with momentum for CIFAR's MLP.
      optimizer: c.model === 'mlp' ? ('sgd-momentum' as const) : ('adam' as const),
      objective: 'clean' as const,
      fidelity: 'adgap' as const,
      learningRate,
      seed,
      maxEpochs,
      // No early stopping: every model trains every epoch.
      patience: maxEpochs + 1,
      batchSize: 64,
      mode,
    })),
  );
}

/** What the planner reads (src/sweep/wall-time.ts): the rates of what each engine actually runs. */
const rates: MeasuredRate[] = [];
const measuredAt = new Date().toISOString();

function rateOf(
  c: Case,
  engine: MeasuredRate['engine'],
  backend: string,
  ms: number,
  msPerRunEvaluation: number,
): MeasuredRate {
  const spec = trainingAttack(c.mode);
  return {
    case: c.name,
    engine,
    backend,
    model: c.model ?? 'linear',
    features: featureCount(c.data.featureShape),
    trainSamples: c.data.splits.train.count,
    attack: spec ? spec.method.name : 'standard',
    gradientPasses: gradientPassesPerSample(c.mode),
    msPerModelEpoch: rounded(ms),
    evaluationSamples: c.data.splits.testBalanced.count,
    msPerRunEvaluation: rounded(msPerRunEvaluation),
    vcpus: availableParallelism(),
    measuredAt,
  };
}

function line(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
}

const rounded = (x: number, digits = 3) => Number(x.toPrecision(digits));

/**
 * linear-cpu (mlp-cpu for the MLP) trains a 40-run cell end to end twice, through engine.train as a job does:
 * for one epoch and for `epochs.wasm`. The difference is model-epochs alone (training and the clean validation loss every epoch,
 * as the PyTorch peer does); what the one-epoch call spent beyond its epoch is each run's final clean and robust
 * evaluation plus the workers' start-up, which a run pays once however long it trains. Each call runs twice and
 * the faster counts, so a busy moment on the machine does not land in the difference.
 */
async function wasmCell(c: Case): Promise<number> {
  const engine = c.model === 'mlp' ? createMlpCpuEngine() : createLinearCpuEngine();
  const wallMs = async (epochs: number) => {
    let fastest = Number.POSITIVE_INFINITY;
    for (let repeat = 0; repeat < 2; repeat++) {
      const runs = cellRuns(c, epochs);
      const started = performance.now();
      await engine.train(runs, c.data, async (outcome) => {
        if ('error' in outcome) throw outcome.error;
      });
      fastest = Math.min(fastest, performance.now() - started);
    }
    return fastest;
  };
  const models = SEEDS.length * LEARNING_RATES.length;
  const oneEpoch = await wallMs(1);
  const many = await wallMs(c.epochs.wasm);
  const ms = (many - oneEpoch) / (models * (c.epochs.wasm - 1));
  const msPerRunEvaluation = Math.max(0, oneEpoch - ms * models) / models;
  line({
    case: c.name,
    engine: engine.name,
    backend: engine.backend,
    how: 'cell, worker threads',
    models,
    modelEpochsPerSecond: rounded(1000 / ms),
    msPerModelEpoch: rounded(ms),
    msPerRunEvaluation: rounded(msPerRunEvaluation),
  });
  rates.push(rateOf(c, engine.name, engine.backend, ms, msPerRunEvaluation));
  return ms;
}

/** What the epoch driver asks of a cell each epoch when no run improves or stops: training and validation. */
function epochOf(cell: EpochCell): void {
  cell.trainEpoch();
  cell.validationLosses();
  cell.observe([], []);
}

/**
 * A stacked tfjs cell of `runs`: kernels from one profiled epoch, time from the next ones, then one run's final
 * clean and robust evaluation.
 */
async function tfjsCell(
  c: Case,
  runs: RunSpec[],
): Promise<{ ms: number; kernels: number; msPerRunEvaluation: number }> {
  const cell = new StackedCell(runs, c.data);
  try {
    const profile = await tf.profile(() => {
      epochOf(cell);
    });
    const started = performance.now();
    for (let e = 0; e < c.epochs.tfjs; e++) epochOf(cell);
    const trained = performance.now();
    cell.evaluateBest(0, (model) => finalMetrics(runs[0] as RunSpec, model));
    return {
      ms: (trained - started) / (runs.length * c.epochs.tfjs),
      kernels: profile.kernels.length / runs.length,
      msPerRunEvaluation: performance.now() - trained,
    };
  } finally {
    cell.dispose();
  }
}

async function tfjs(c: Case, backend: string): Promise<void> {
  const runs = cellRuns(c, c.epochs.tfjs + 1);
  const alone = await tfjsCell(c, runs.slice(0, 1));
  const stacked = await tfjsCell(c, runs);
  for (const [how, m, models] of [
    ['one at a time', alone, 1],
    ['stacked cell', stacked, runs.length],
  ] as const) {
    line({
      case: c.name,
      engine: 'tfjs',
      backend,
      how,
      models,
      modelEpochsPerSecond: rounded(1000 / m.ms),
      msPerModelEpoch: rounded(m.ms),
      kernelsPerModelEpoch: rounded(m.kernels),
      msPerRunEvaluation: rounded(m.msPerRunEvaluation),
      ...(how === 'stacked cell' ? { kernelsOneAtATimeOverStacked: rounded(alone.kernels / m.kernels) } : {}),
    });
  }
  // The tfjs engine trains every case here as a stacked cell.
  rates.push(rateOf(c, 'tfjs', backend, stacked.ms, stacked.msPerRunEvaluation));
}

const PEER = fileURLToPath(new URL('./torch_peer.py', import.meta.url));

/** A python3 that imports torch (Debian's python3-torch installs it for /usr/bin/python3). */
function torchPython(): string | undefined {
  return ['python3', '/usr/bin/python3'].find(
    (python) => spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0,
  );
}

interface PeerTiming {
  msPerModelEpoch: number;
  threads: number;
}

function torch(c: Case, python: string | undefined): PeerTiming | undefined {
  if (!python) return undefined;
  const d = c.data.featureShape[0] as number;
  const spec = trainingAttack(c.mode);
  const args = [
    PEER,
    `--features=${d}`,
    `--train=${c.data.splits.train.count}`,
    `--validation=${c.data.splits.validation.count}`,
    `--model=${c.model ?? 'linear'}`,
    `--mode=${spec ? (spec.method.name === 'pgd' ? 'pgd' : 'fgsm') : 'standard'}`,
    `--eps=${spec?.eps ?? 0}`,
    ...(spec?.method.name === 'pgd'
      ? [`--steps=${spec.method.steps}`, `--step-size=${spec.method.stepSize}`]
      : []),
    `--epochs=${c.epochs.torch}`,
    ...(c.data.pixelRange ? ['--clip'] : []),
  ];
  const run = spawnSync(python, args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`the PyTorch peer failed: ${run.stderr.trim().split('\n').at(-1)}`);
  const peer = JSON.parse(run.stdout) as { msPerModelEpoch: number; torch: string; threads: number };
  line({
    case: c.name,
    engine: 'pytorch',
    backend: `torch ${peer.torch} cpu, ${peer.threads} thread(s)`,
    how: 'one at a time, tuned loop',
    models: 1,
    modelEpochsPerSecond: rounded(1000 / peer.msPerModelEpoch),
    msPerModelEpoch: rounded(peer.msPerModelEpoch),
  });
  return peer;
}

const CASES: Case[] = [
  {
    name: 'gaussian-100d-linear-standard',
    data: gaussian(100),
    mode: { kind: 'standard' },
    epochs: { wasm: 41, tfjs: 1, torch: 5 },
  },
  {
    name: 'gaussian-100d-linear-fgsm',
    data: gaussian(100),
    mode: { kind: 'adversarial', norm: 'linf', eps: 0.5, method: { name: 'one-step' } },
    epochs: { wasm: 41, tfjs: 1, torch: 5 },
  },
  {
    name: 'mnist-784d-linear-fgsm-clip-8000',
    data: pixelShaped(784),
    mode: { kind: 'adversarial', norm: 'linf', eps: 0.3256, method: { name: 'one-step' } },
    epochs: { wasm: 11, tfjs: 1, torch: 3 },
  },
  {
    // 64 training samples (one batch): the kernel count of a step does not depend on the data size, and a
    // 40-model cell of 3072-200-2 MLPs with 11 passes a step takes ~100 GFLOP per batch.
    name: 'cifar-3072d-mlp-pgd10',
    data: pixelShaped(3072, { train: 32, validation: 32, test: 32 }),
    mode: { kind: 'adversarial', norm: 'linf', eps: 0.0305, method: pgdMethod('linf', 0.0305, 10) },
    model: 'mlp',
    epochs: { wasm: 3, tfjs: 1, torch: 5 },
  },
  {
    // The paper's CIFAR attack: PGD-40 of eps/30. tfjs's stacked cell would take ~10 minutes here, and its
    // rate per gradient pass is the PGD-10 case's.
    name: 'cifar-3072d-mlp-pgd40',
    data: pixelShaped(3072, { train: 32, validation: 32, test: 32 }),
    mode: { kind: 'adversarial', norm: 'linf', eps: 0.0305, method: pgdMethod('linf', 0.0305) },
    model: 'mlp',
    epochs: { wasm: 2, tfjs: 0, torch: 2 },
  },
];

/** `npm run bench -- cifar`: only the cases whose names contain an argument; their rates replace the old ones. */
const only = process.argv.slice(2);
const selected = CASES.filter((c) => only.length === 0 || only.some((part) => c.name.includes(part)));

const python = torchPython();
if (!python)
  line({ note: 'PyTorch peer skipped: no python3 with torch (Debian: apt-get install python3-torch)' });
const backend = await useFastestBackend();
line({
  uptime: (await readFile('/proc/loadavg', 'utf8').catch(() => 'unknown')).trim(),
  cores: availableParallelism(),
});
for (const c of selected) {
  const peer = c.epochs.torch > 0 ? torch(c, python) : undefined;
  const cpuMs = c.epochs.wasm > 0 ? await wasmCell(c) : undefined;
  if (peer !== undefined && cpuMs !== undefined)
    line({
      case: c.name,
      ratio: `${c.model === 'mlp' ? 'mlp-cpu' : 'linear-cpu'} ms per model-epoch / pytorch`,
      value: rounded(cpuMs / peer.msPerModelEpoch),
      // Wall time against wall time is the target's measure; the wasm engines' workers use every core, so this
      // also says what each core achieves against what each of PyTorch's threads does.
      perCore: rounded((cpuMs * availableParallelism()) / (peer.msPerModelEpoch * peer.threads)),
    });
  if (c.epochs.tfjs > 0) await tfjs(c, backend);
}

// Written whole then renamed, so a bench that dies midway leaves the previous rates.
const RATES = fileURLToPath(new URL('./rates.json', import.meta.url));
// Kept from the previous file: the cuda engine's rates, which come from bench/gpu-check.sh on a GPU machine
// (bench/add-gpu-rates.ts), never from this bench; and with `npm run bench -- <part>`, every case not rerun.
const previous = await readFile(RATES, 'utf8').then(
  (text) => ratesFileSchema.parse(JSON.parse(text)),
  () => [],
);
const kept = previous.filter(
  (r) => r.engine === 'cuda' || (only.length > 0 && !selected.some((c) => c.name === r.case)),
);
await writeFile(`${RATES}.tmp`, `${JSON.stringify([...kept, ...rates], null, 2)}\n`);
await rename(`${RATES}.tmp`, RATES);
line({ note: `rates for adgap sweep plan written to ${RATES}` });
