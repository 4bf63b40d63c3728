/**
 * `npm run bench`: model-epochs per second of each engine on the protocol's shapes, with a PyTorch peer (one
 * thread, on an optimised BLAS) timed in the same run, compared per core. Prints one JSON line per
 * measurement. A benchmark, not a test: nothing here asserts; docs/performance.md reads the numbers, and
 * bench/trust.ts decides which of them the bench may claim (a ratio only against a fair peer, a rate only
 * when it stands out of the sitting's noise, and only from a quiet sitting).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { assembleSplits } from '../src/datasets/splits.js';
import { syntheticPools } from '../src/datasets/synthetic.js';
import {
  DEFAULT_SPLIT_SIZES,
  DEFAULT_SYNTHETIC_PARAMS,
  featureCount,
  type LoadedDataset,
} from '../src/datasets/types.js';
import { type MeasuredRate, usableRates } from '../src/sweep/wall-time.js';
import type { Engine } from '../src/train/engine.js';
import { createLinearCpuEngine } from '../src/train/engines/linear-cpu/engine.js';
import { createMlpCpuEngine } from '../src/train/engines/mlp-cpu/engine.js';
import { WASM_PRODUCTS } from '../src/train/engines/mlp-cpu/products.js';
import { StackedCell } from '../src/train/engines/tfjs/stacked-cell.js';
import { tf, useFastestBackend } from '../src/train/engines/tfjs-shared/tf.js';
import type { EpochCell } from '../src/train/epoch-driver.js';
import { finalMetrics } from '../src/train/evaluation.js';
import { type TrainingMode, trainingAttack } from '../src/train/modes.js';
import { pgdMethod } from '../src/train/protocol.js';
import { gradientPassesPerSample, type RunSpec } from '../src/train/run-spec.js';
import {
  type CpuSnapshot,
  type EpochRate,
  epochRate,
  fairPeer,
  MAX_OTHER_WORK_SHARE,
  machineTicks,
  mergeRates,
  multiplyAddsPerModelEpoch,
  otherWorkShare,
  type PeerBlas,
  processTicks,
} from './trust.js';

const SEEDS = [2, 22, 42, 62, 82];
const LEARNING_RATES = [0.1, 0.05, 0.01, 0.005, 0.001, 5e-4, 2e-4, 1e-4];

interface Case {
  name: string;
  data: LoadedDataset;
  mode: TrainingMode;
  /** The linear model (on linear-cpu) unless set; the MLP trains on mlp-cpu. */
  model?: 'mlp';
  /**
   * Epochs per call of the worker engines' cell (`cell`: its long call, against a one-epoch one, each REPEATS
   * times; see workerCell), enough for the difference to dwarf the fixed costs' noise; the tfjs cell's timed
   * epochs; the PyTorch peer's (each timed alone, the fastest counts). 0 skips that engine.
   */
  epochs: { cell: number; tfjs: number; torch: number };
  /** Also times mlp-cpu on its WebAssembly kernels, the fallback where the native addon is not built. */
  wasmFallback?: boolean;
}

/** Calls of each length per worker-engine cell: the fastest counts, the spread is the noise. */
const REPEATS = 3;

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

/** The case's hidden-layer (MLP) or output (linear) multiply-adds per model-epoch, as both sides compute them. */
function multiplyAdds(c: Case): number {
  return multiplyAddsPerModelEpoch({
    features: featureCount(c.data.featureShape),
    width: c.model === 'mlp' ? 200 : 2,
    trainSamples: c.data.splits.train.count,
    validationSamples: c.data.splits.validation.count,
    gradientPasses: gradientPassesPerSample(c.mode),
  });
}

/** Giga multiply-adds per second per core of `ms` per model-epoch on `cores` cores. */
const gigaPerCore = (c: Case, ms: number, cores: number) => rounded(multiplyAdds(c) / (ms * cores * 1e6));

/**
 * The cores' fused multiply-add peak, from the CPU's features and its clock: an assumption, stated where it is
 * printed (FMA units per core are not a feature flag; a VM reports its nominal clock).
 */
function corePeak(): { gigaMultiplyAddsPerSecond: number; basis: string } {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  const flags = new Set(/^flags\s*:\s*(.*)$/m.exec(info)?.[1]?.split(' ') ?? []);
  const lanes = flags.has('avx512f') ? 16 : flags.has('avx2') && flags.has('fma') ? 8 : 4;
  const simd = lanes === 16 ? 'AVX-512' : lanes === 8 ? 'AVX2 + FMA' : 'SSE';
  const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)$/m.exec(info)?.[1] ?? cpus()[0]?.speed ?? 0);
  return {
    gigaMultiplyAddsPerSecond: rounded((2 * lanes * mhz) / 1000),
    basis: `2 FMA units x ${lanes} float32 lanes (${simd}) x ${Math.round(mhz)} MHz (/proc/cpuinfo), assumed: two FMA units per core (Intel since Haswell, AMD since Zen 2; some AVX-512 parts have one 512-bit unit), and a VM reports its nominal clock`,
  };
}

/** Machine ticks from /proc/stat and this process's with its children's (the peer) from /proc/self/stat. */
function cpuSnapshot(): CpuSnapshot {
  return {
    ...machineTicks(readFileSync('/proc/stat', 'utf8')),
    own: processTicks(readFileSync('/proc/self/stat', 'utf8')),
  };
}

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

interface CellFigures {
  engine: Engine;
  /** Wall ms per model-epoch of the cell, and CPU ms (every worker's) per model-epoch: the time per core. */
  wall: EpochRate;
  cpu: EpochRate;
  msPerRunEvaluation: number;
}

/** A rate's figures for a line where the difference was positive, and why it is untrusted where it is. */
function figures(rate: EpochRate, untrusted: string, fields: (ms: number) => Record<string, unknown>) {
  return {
    ...(rate.msPerModelEpoch > 0 ? fields(rate.msPerModelEpoch) : {}),
    ...(rate.trusted ? {} : { [untrusted]: rate.reason }),
  };
}

/**
 * A worker engine (linear-cpu, mlp-cpu) trains a 40-run cell end to end, through engine.train as a job does,
 * REPEATS times for one epoch and REPEATS times for `epochs.cell`. The difference of the fastest calls is
 * model-epochs alone (training, and every epoch the clean validation loss and under an attack the attacked one,
 * as the PyTorch peer does); what the one-epoch call spent beyond its epoch is each run's final clean and robust
 * evaluation plus the workers' start-up, paid once per run however long it trains. epochRate decides whether the difference can be trusted.
 */
async function workerCell(c: Case, engine: Engine, how: string): Promise<CellFigures> {
  const calls = async (epochs: number) => {
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      const runs = cellRuns(c, epochs);
      const [started, startedCpu] = [performance.now(), cpuMs()];
      await engine.train(runs, c.data, async (outcome) => {
        if ('error' in outcome) throw outcome.error;
      });
      wall.push(performance.now() - started);
      cpu.push(cpuMs() - startedCpu);
    }
    return { wall, cpu };
  };
  const models = SEEDS.length * LEARNING_RATES.length;
  const one = await calls(1);
  const many = await calls(c.epochs.cell);
  const extraEpochs = c.epochs.cell - 1;
  const wall = epochRate({ oneEpochMs: one.wall, manyEpochsMs: many.wall, models, extraEpochs });
  const cpu = epochRate({ oneEpochMs: one.cpu, manyEpochsMs: many.cpu, models, extraEpochs });
  const msPerRunEvaluation =
    Math.max(0, Math.min(...one.wall) - Math.max(0, wall.msPerModelEpoch) * models) / models;
  line({
    case: c.name,
    engine: engine.name,
    backend: engine.backend,
    how,
    models,
    workers: availableParallelism(),
    ...figures(wall, 'untrusted', (ms) => ({
      msPerModelEpoch: rounded(ms),
      modelEpochsPerSecond: rounded(1000 / ms),
      gigaMultiplyAddsPerSecondPerCore: gigaPerCore(c, ms, availableParallelism()),
    })),
    ...figures(cpu, 'cpuUntrusted', (ms) => ({ cpuMsPerModelEpoch: rounded(ms) })),
    msPerRunEvaluation: rounded(msPerRunEvaluation),
    // How much of the extra epochs' time the repeats' spread amounts to (bench/trust.ts), wall and CPU.
    noise: rounded(wall.noiseShare, 2),
    cpuNoise: rounded(cpu.noiseShare, 2),
  });
  return { engine, wall, cpu, msPerRunEvaluation };
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
  /** The fastest epoch's wall and CPU milliseconds. */
  msPerModelEpoch: number;
  cpuMsPerModelEpoch: number;
  threads: number;
  blas: PeerBlas & { config?: string; threads?: number };
}

let peerDescribed = false;

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
  // One thread: OpenBLAS's own pool (the peer pins torch's with torch.set_num_threads(1)).
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const run = spawnSync(python, args, { encoding: 'utf8', env });
  if (run.status !== 0) throw new Error(`the PyTorch peer failed: ${run.stderr.trim().split('\n').at(-1)}`);
  const peer = JSON.parse(run.stdout) as PeerTiming & { torch: string; medianMsPerModelEpoch: number };
  if (!peerDescribed) {
    peerDescribed = true;
    line({
      peer: 'pytorch',
      torch: peer.torch,
      torchThreads: peer.threads,
      blas: peer.blas,
      ...fairPeer(peer.blas),
    });
  }
  line({
    case: c.name,
    engine: 'pytorch',
    backend: `torch ${peer.torch} cpu, ${peer.threads} thread, ${peer.blas.kind} BLAS (${peer.blas.threads ?? peer.threads} thread)`,
    how: 'one at a time, tuned loop, fastest epoch',
    models: 1,
    modelEpochsPerSecond: rounded(1000 / peer.msPerModelEpoch),
    msPerModelEpoch: rounded(peer.msPerModelEpoch),
    medianMsPerModelEpoch: rounded(peer.medianMsPerModelEpoch),
    cpuMsPerModelEpoch: rounded(peer.cpuMsPerModelEpoch),
    gigaMultiplyAddsPerSecondPerCore: gigaPerCore(c, peer.msPerModelEpoch, peer.threads),
  });
  return peer;
}

/** adgap's cell against the peer, wall to wall and per core, where the peer is fair. */
function ratio(c: Case, cell: CellFigures, peer: PeerTiming): void {
  const fair = fairPeer(peer.blas);
  if (!fair.fair) {
    line({ case: c.name, ratio: 'none', reason: fair.reason });
    return;
  }
  const workers = availableParallelism();
  line({
    case: c.name,
    ratio: `${cell.engine.name} (${cell.engine.backend}) ms per model-epoch / pytorch's`,
    ...figures(cell.wall, 'untrusted', (ms) => ({
      value: rounded(ms / peer.msPerModelEpoch),
      // The target's measure: each of adgap's workers against PyTorch's one thread, a core against a core.
      perCore: rounded((ms * workers) / (peer.msPerModelEpoch * peer.threads)),
    })),
    // The same from CPU time (every worker's, and the peer's): what each side's arithmetic cost a core,
    // whatever else shared the machine; it matches perCore in a quiet sitting.
    ...figures(cell.cpu, 'cpuUntrusted', (ms) => ({ perCoreCpu: rounded(ms / peer.cpuMsPerModelEpoch) })),
    gigaMultiplyAddsPerSecondPerCore: {
      ...(cell.wall.msPerModelEpoch > 0 ? { adgap: gigaPerCore(c, cell.wall.msPerModelEpoch, workers) } : {}),
      pytorch: gigaPerCore(c, peer.msPerModelEpoch, peer.threads),
      corePeak: peak.gigaMultiplyAddsPerSecond,
    },
  });
}

const CASES: Case[] = [
  {
    name: 'gaussian-100d-linear-standard',
    data: gaussian(100),
    mode: { kind: 'standard' },
    epochs: { cell: 41, tfjs: 1, torch: 5 },
  },
  {
    name: 'gaussian-100d-linear-fgsm',
    data: gaussian(100),
    mode: { kind: 'adversarial', norm: 'linf', eps: 0.5, method: { name: 'one-step' } },
    epochs: { cell: 41, tfjs: 1, torch: 5 },
  },
  {
    name: 'mnist-784d-linear-fgsm-clip-8000',
    data: pixelShaped(784),
    mode: { kind: 'adversarial', norm: 'linf', eps: 0.3256, method: { name: 'one-step' } },
    epochs: { cell: 11, tfjs: 1, torch: 3 },
  },
  {
    // 64 training samples (one batch): the kernel count of a step does not depend on the data size, and a
    // 40-model cell of 3072-200-2 MLPs with 11 passes a step takes ~100 GFLOP per batch. Validation is a
    // quarter of training, as in the protocol (1000 + 1000/R against 4000 + 4000/R), since every epoch attacks
    // it too (the robust-val rule's loss): the rate then scales to the protocol's sizes. The one-epoch call
    // (workers' start, 40 runs' final evaluation under PGD-10 and PGD-50) takes several epochs' time, so the
    // long call trains 16 to stand out of it (8 left the repeats' spread at a fifth of the difference).
    name: 'cifar-3072d-mlp-pgd10',
    data: pixelShaped(3072, { train: 32, validation: 8, test: 32 }),
    mode: { kind: 'adversarial', norm: 'linf', eps: 0.0305, method: pgdMethod('linf', 0.0305, 10) },
    model: 'mlp',
    epochs: { cell: 16, tfjs: 1, torch: 10 },
    wasmFallback: true,
  },
  {
    // The paper's CIFAR attack: PGD-40 of eps/30. tfjs's stacked cell would take ~10 minutes here, and its
    // rate per gradient pass is the PGD-10 case's. The long call trains 12 epochs: with 4, the repeats spread by
    // most of the difference.
    name: 'cifar-3072d-mlp-pgd40',
    data: pixelShaped(3072, { train: 32, validation: 8, test: 32 }),
    mode: { kind: 'adversarial', norm: 'linf', eps: 0.0305, method: pgdMethod('linf', 0.0305) },
    model: 'mlp',
    epochs: { cell: 12, tfjs: 0, torch: 5 },
  },
];

/** `npm run bench -- cifar`: only the cases whose names contain an argument; their rates replace the old ones. */
const only = process.argv.slice(2);
const selected = CASES.filter((c) => only.length === 0 || only.some((part) => c.name.includes(part)));

const python = torchPython();
if (!python)
  line({ note: 'PyTorch peer skipped: no python3 with torch (Debian: apt-get install python3-torch)' });
const backend = await useFastestBackend();
const peak = corePeak();
const sittingStart = cpuSnapshot();
line({
  sitting: 'start',
  loadAverage: loadAverage(),
  cores: availableParallelism(),
  cpu: cpus()[0]?.model,
  corePeak: peak,
});
for (const c of selected) {
  const caseStart = cpuSnapshot();
  const peer = c.epochs.torch > 0 ? torch(c, python) : undefined;
  if (c.epochs.cell > 0) {
    const engine = c.model === 'mlp' ? createMlpCpuEngine() : createLinearCpuEngine();
    const cell = await workerCell(c, engine, 'cell, worker threads');
    if (cell.wall.trusted)
      rates.push(rateOf(c, engine.name, engine.backend, cell.wall.msPerModelEpoch, cell.msPerRunEvaluation));
    if (peer) ratio(c, cell, peer);
    if (c.wasmFallback && engine.backend !== 'wasm-simd') {
      const fallback = createMlpCpuEngine(availableParallelism(), WASM_PRODUCTS);
      const wasm = await workerCell(c, fallback, 'cell, worker threads, the wasm fallback (no rate written)');
      const over = (a: EpochRate, b: EpochRate) =>
        a.msPerModelEpoch > 0 && b.msPerModelEpoch > 0
          ? rounded(a.msPerModelEpoch / b.msPerModelEpoch)
          : null;
      line({
        case: c.name,
        ratio: `${engine.backend} / wasm-simd`,
        value: over(cell.wall, wasm.wall),
        cpu: over(cell.cpu, wasm.cpu),
      });
    }
  }
  if (c.epochs.tfjs > 0) await tfjs(c, backend);
  line({ case: c.name, otherWork: rounded(otherWorkShare(caseStart, cpuSnapshot()), 2) });
}

// How much of the machine other processes took while the bench ran: above MAX_OTHER_WORK_SHARE the rates are
// marked untrusted, and sweep plan does not use them (nor do they replace trusted ones).
const otherWork = otherWorkShare(sittingStart, cpuSnapshot());
const quiet = otherWork <= MAX_OTHER_WORK_SHARE;
line({ sitting: 'end', loadAverage: loadAverage(), otherWork: rounded(otherWork, 2), quiet });
const written = quiet
  ? rates
  : rates.map((r) => ({
      ...r,
      untrusted: `measured while other processes took ${Math.round(100 * otherWork)}% of the cores' time (load average ${loadAverage()[0]})`,
    }));

// Written whole then renamed, so a bench that dies midway leaves the previous rates. Kept from the previous
// file (mergeRates): the cuda engine's rates (bench/gpu-check.sh, bench/add-gpu-rates.ts), every case not
// rerun, and a trusted rate that this sitting could only measure untrusted.
const RATES = fileURLToPath(new URL('./rates.json', import.meta.url));
const previous = await readFile(RATES, 'utf8').then(
  (text) => usableRates(text).rates,
  () => [],
);
const merged = mergeRates(previous, written);
await writeFile(`${RATES}.tmp`, `${JSON.stringify(merged, null, 2)}\n`);
await rename(`${RATES}.tmp`, RATES);
const entered = written.filter((r) => merged.includes(r)).length;
line({
  note: `${entered} rate(s) for adgap sweep plan written to ${RATES}${quiet ? '' : ', marked untrusted: the sitting was not quiet'}${entered < written.length ? `; ${written.length - entered} not written over the trusted rates of their cases` : ''}`,
});
