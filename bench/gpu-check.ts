/**
 * The GPU check's Node part (bench/gpu-check.sh builds the addon and runs this, bundled by
 * bench/gpu-prepare.sh, on a GPU machine that has no npm): the cuda engine's equivalence cases on the GPU,
 * then the stacked cifar-shaped cell (MLP 3072-200-2, PGD-40 linf, SGD with momentum, batch 64) timed on the
 * GPU and on the engine a CPU machine would choose for it. One JSON line per figure; exit status 1 when an
 * equivalence case fails or the GPU cannot be used. Nothing here is a test of speed: it measures.
 *
 *   node gpu-check.cjs --addon PATH [--out DIR] [--dry-run]
 * --out DIR: write the cuda rate as DIR/gpu-rates.json (bench/rates.json entries; see docs/performance.md).
 * --dry-run: accept the host build and shrink every size, to try the script on a machine without a GPU; it
 * writes no rate.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { assembleSplits } from '../src/datasets/splits.js';
import { syntheticPools } from '../src/datasets/synthetic.js';
import { DEFAULT_SYNTHETIC_PARAMS, type LoadedDataset, type SplitSizes } from '../src/datasets/types.js';
import type { MeasuredRate } from '../src/sweep/wall-time.js';
import { createEngine } from '../src/train/engines/choose.js';
import { type CudaAddon, loadCudaAddon } from '../src/train/engines/cuda/addon.js';
import { CudaCell } from '../src/train/engines/cuda/cell.js';
import { useFastestBackend } from '../src/train/engines/tfjs-shared/tf.js';
import { finalMetrics } from '../src/train/evaluation.js';
import type { TrainingMode } from '../src/train/modes.js';
import { pgdMethod } from '../src/train/protocol.js';
import type { RunSpec } from '../src/train/run-spec.js';
import {
  agrees,
  CUDA_EQUIVALENCE_CASES,
  cudaVersusTfjs,
} from '../test/train/engines/fixtures/cuda-equivalence.js';

const { values: options } = parseArgs({
  options: {
    addon: { type: 'string' },
    out: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  },
});
const dryRun = options['dry-run'] === true;

const print = (figure: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(figure)}\n`);

/** CIFAR's shape and range: 3072 features in [0,1] (gaussian pools squashed), R = 1, attacks clip. */
function cifarShaped(sizes: SplitSizes): LoadedDataset {
  const synthetic = { ...DEFAULT_SYNTHETIC_PARAMS, dim: 3072 };
  const splits = assembleSplits(syntheticPools('gaussian', synthetic, sizes, 0), sizes, 1);
  const squash = (x: Float32Array) => x.map((v) => Math.min(Math.max(0.5 + v / 8, 0), 1));
  return {
    ref: { group: 'gaussian', R: 1, dataSeed: 0, sizes, synthetic },
    featureShape: [3072],
    pixelRange: true,
    splits: Object.fromEntries(
      Object.entries(splits).map(([name, split]) => [name, { ...split, x: squash(split.x) }]),
    ) as LoadedDataset['splits'],
  };
}

// CIFAR's largest linf radius (protocol.md) and the reference's PGD-40 of eps/30.
const EPS = 0.0305;
const PGD40: TrainingMode = { kind: 'adversarial', norm: 'linf', eps: EPS, method: pgdMethod('linf', EPS) };
const SEEDS = [2, 22, 42, 62, 82];
const LEARNING_RATES = [0.1, 0.05, 0.01, 0.005, 0.001, 5e-4, 2e-4, 1e-4];

function cellRuns(data: LoadedDataset, count: number, maxEpochs: number): RunSpec[] {
  return SEEDS.flatMap((seed) => LEARNING_RATES.map((learningRate) => ({ seed, learningRate })))
    .slice(0, count)
    .map(({ seed, learningRate }) => ({
      runId: `s${seed}-lr${learningRate}`,
      dataset: data.ref,
      model: 'mlp',
      optimizer: 'sgd-momentum',
      objective: 'clean',
      fidelity: 'adgap',
      learningRate,
      seed,
      batchSize: 64,
      mode: PGD40,
      maxEpochs,
      // No early stopping: every model trains every epoch.
      patience: maxEpochs + 1,
    }));
}

function equivalence(addon: CudaAddon): number {
  let failures = 0;
  for (const c of dryRun
    ? CUDA_EQUIVALENCE_CASES.filter((k) => k.model === 'linear')
    : CUDA_EQUIVALENCE_CASES) {
    const started = performance.now();
    const runs = cudaVersusTfjs(addon, c);
    const pass = runs.every(agrees);
    if (!pass) failures += 1;
    print({
      figure: 'equivalence',
      case: c.name,
      runs,
      pass,
      seconds: +((performance.now() - started) / 1000).toFixed(2),
    });
  }
  return failures;
}

/** What the epoch driver asks of a cell each epoch when no run improves or stops: training and validation. */
function epochOf(cell: CudaCell): void {
  cell.trainEpoch();
  cell.validationLosses();
  cell.observe([], []);
}

/** The stacked cell on the GPU: one warm-up epoch, then timed epochs; one run's final evaluation. */
function timeGpuCell(addon: CudaAddon, backend: string): MeasuredRate {
  const sizes = dryRun
    ? { train: 64, validation: 64, test: 64 }
    : { train: 4000, validation: 1000, test: 1000 };
  const data = cifarShaped(sizes);
  const models = dryRun ? 2 : 40;
  const runs = cellRuns(data, models, 4);
  const created = performance.now();
  const cell = new CudaCell(addon, runs, data);
  const uploaded = performance.now();
  epochOf(cell);
  const warm = performance.now();
  // Up to 3 timed epochs, fewer when one takes over 30 s, so the whole check stays within its 8 minutes.
  const epochs = dryRun ? 1 : Math.max(1, Math.min(3, Math.floor(30_000 / (warm - uploaded))));
  for (let e = 0; e < epochs; e++) epochOf(cell);
  const trained = performance.now();
  const msPerModelEpoch = (trained - warm) / epochs / models;
  const evaluated = performance.now();
  cell.evaluateBest(0, (model) => finalMetrics(runs[0] as RunSpec, model));
  const msPerRunEvaluation = performance.now() - evaluated;
  cell.dispose();
  const trainSamples = data.splits.train.count;
  const steps = Math.ceil(trainSamples / 64);
  print({
    figure: 'gpu-cell',
    engine: 'cuda',
    backend,
    models,
    trainSamples,
    stepsPerEpoch: steps,
    uploadSeconds: +((uploaded - created) / 1000).toFixed(3),
    warmupEpochSeconds: +((warm - uploaded) / 1000).toFixed(3),
    timedEpochs: epochs,
    msPerModelEpoch: +msPerModelEpoch.toFixed(3),
    msPerModelStep: +(msPerModelEpoch / steps).toFixed(4),
    msPerRunEvaluation: +msPerRunEvaluation.toFixed(1),
  });
  return {
    case: 'cifar-shaped-3072-200-2-mlp-pgd40-linf',
    engine: 'cuda',
    backend,
    model: 'mlp',
    features: 3072,
    trainSamples,
    attack: 'pgd',
    gradientPasses: 41,
    msPerModelEpoch: +msPerModelEpoch.toPrecision(3),
    evaluationSamples: data.splits.testBalanced.count,
    msPerRunEvaluation: +msPerRunEvaluation.toPrecision(3),
    measuredAt: new Date().toISOString(),
  };
}

/**
 * The engine a CPU machine chooses for the same cell (choose.ts with no GPU), on one batch per epoch so it
 * finishes in a minute: trained for 1 and for 2 epochs, the difference is one epoch alone (the final
 * evaluation, on a 64-sample test set, cancels out).
 */
async function timeCpuEngine(): Promise<{ engine: string; backend: string; msPerModelStep: number }> {
  const data = cifarShaped({ train: 32, validation: 32, test: 32 });
  const models = 2;
  const time = async (epochs: number) => {
    const runs = cellRuns(data, models, epochs);
    const engine = await createEngine(runs, undefined, {
      probes: { cuda: async () => ({ runs: 'no', problem: 'timing the CPU engine', tell: false }) },
    });
    const started = performance.now();
    const failures: Error[] = [];
    await engine.train(runs, data, async (o) => {
      if ('error' in o) failures.push(o.error);
    });
    if (failures.length > 0) throw new Error(`the CPU engine failed: ${failures[0]?.stack}`);
    return { engine, ms: performance.now() - started };
  };
  const one = await time(1);
  const two = await time(2);
  const msPerModelStep = (two.ms - one.ms) / models;
  const figure = { engine: one.engine.name, backend: one.engine.backend, msPerModelStep };
  print({ figure: 'cpu-cell', ...figure, models, trainSamples: 64, note: 'one batch of 64 per epoch' });
  return figure;
}

async function main(): Promise<number> {
  if (!options.addon) throw new Error('--addon PATH is required');
  const status = loadCudaAddon(options.addon);
  if (!status.available) {
    print({ figure: 'device', available: false, reason: status.reason });
    return 1;
  }
  if (status.backend !== 'cuda' && !dryRun) {
    print({
      figure: 'device',
      available: false,
      reason: `${options.addon} is the host build; pass --dry-run`,
    });
    return 1;
  }
  const tfBackend = await useFastestBackend();
  const backend = status.backend === 'cuda' ? `cuda ${status.device}` : 'host';
  print({ figure: 'device', available: true, backend, tfjsBackend: tfBackend, node: process.version });
  const failures = equivalence(status.addon);
  print({ figure: 'equivalence-summary', failures });
  const rate = timeGpuCell(status.addon, backend);
  const cpu = await timeCpuEngine();
  const gpuMsPerModelStep = rate.msPerModelEpoch / Math.ceil(rate.trainSamples / 64);
  print({
    figure: 'gpu-vs-cpu',
    gpuMsPerModelStep: +gpuMsPerModelStep.toFixed(4),
    cpuMsPerModelStep: +cpu.msPerModelStep.toFixed(1),
    cpuEngine: `${cpu.engine} (${cpu.backend})`,
    speedup: +(cpu.msPerModelStep / gpuMsPerModelStep).toPrecision(3),
  });
  if (options.out && !dryRun) {
    writeFileSync(join(options.out, 'gpu-rates.json'), `${JSON.stringify([rate], null, 2)}\n`);
  }
  return failures > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    print({ figure: 'error', message: error instanceof Error ? error.message : String(error) });
    process.exitCode = 1;
  },
);
