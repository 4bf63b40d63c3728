import { availableParallelism } from 'node:os';
import type { LoadedDataset } from '../../../datasets/types.js';
import type { Engine } from '../../engine.js';
import { assertLinearCpuRuns } from '../../engine-support.js';
import type { EngineName } from '../../result.js';
import type { RunSpec } from '../../run-spec.js';
import { type SharedKernelData, shareWithKernels } from './kernels.js';
import { type FinishedRun, sameBatchesKey } from './train-group.js';
import { runOnWorkers } from './worker-pool.js';

const WORKER = new URL('./worker.ts', import.meta.url);

/**
 * The `linear-cpu` engine: the linear model, its per-sample loops in WebAssembly SIMD kernels (kernels.as.ts),
 * the runs of a cell trained together on one worker thread per core, the dataset in one shared memory.
 *
 * Why not tfjs: one linear run at a time, tfjs spends its time in per-kernel overhead, not arithmetic. Measured
 * on a 2-core machine (d = 784, 11,000 samples, batch 64, FGSM, Adam; seconds per model-epoch): tfjs `cpu`
 * backend 0.72 (123 kernels a step at ~35 us each), tfjs `wasm` 0.23, tfjs `wasm` with 40 models stacked 0.16,
 * PyTorch's tuned CPU loop 0.135 (issue 11). Why kernels and not TypeScript loops: with the linear model's
 * closed-form input gradient, plain loops took 0.11 s per model-epoch on one thread for the clipped
 * mnist-shaped FGSM cell (8,000 samples), the kernels 0.0063 s (`npm run bench` has the current figures).
 */
export function createLinearCpuEngine(workerCount: number = availableParallelism()): Engine {
  return createWorkerEngine(
    { name: 'linear-cpu', worker: WORKER, share: shareWithKernels, assertRuns: assertLinearCpuRuns },
    workerCount,
  );
}

/** What distinguishes one wasm engine from another: its worker module and its kernels' scratch. */
export interface WorkerEngineSpec {
  name: EngineName;
  /** What its results record as the backend (default `wasm-simd`). */
  backend?: string;
  /** The worker's module: it opens its kernels on the shared data and serves units of runs (serve-units.ts). */
  worker: URL;
  share: (data: LoadedDataset, slots: number, maxBatch: number) => SharedKernelData;
  /** Throws a ValidationError for a run the engine cannot train exactly. */
  assertRuns: (runs: readonly RunSpec[]) => void;
}

/**
 * An engine whose runs train on one worker thread per core, the dataset in one shared memory, units of runs
 * that share batches handed to whichever worker is free (trainingUnits); linear-cpu and mlp-cpu are two.
 */
export function createWorkerEngine(spec: WorkerEngineSpec, workerCount: number): Engine {
  return {
    name: spec.name,
    backend: spec.backend ?? 'wasm-simd',
    async train(runs, data, onOutcome, signal) {
      spec.assertRuns(runs);
      const byId = new Map(runs.map((r) => [r.runId, r]));
      const finished = new Set<string>();
      await runOnWorkers<RunSpec[], FinishedRun>({
        entry: spec.worker,
        data: spec.share(data, workerCount, Math.max(...runs.map((r) => r.batchSize))),
        units: trainingUnits(runs, workerCount),
        workerCount,
        signal,
        onMessage: async (_unit, { runId, trained, wallTime }) => {
          finished.add(runId);
          await onOutcome({ run: byId.get(runId) as RunSpec, trained, ...wallTime });
        },
        onCrash: async (unit, error) => {
          const failure = new Error(`${spec.name} worker crashed: ${error.message}`);
          for (const run of unit.filter((r) => !finished.has(r.runId)))
            await onOutcome({ run, error: failure });
        },
      });
    },
  };
}

/**
 * Units of work for the pool: runs that share batches (same seed) stay together so their permutations and
 * initial weights are drawn once, and a group is cut into near-equal pieces so there are about four units per
 * worker, which keeps every worker busy while early stopping ends runs at different epochs.
 */
export function trainingUnits(runs: readonly RunSpec[], workerCount: number): RunSpec[][] {
  const groups = new Map<string, RunSpec[]>();
  for (const run of runs) {
    const key = sameBatchesKey(run);
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  const limit = Math.max(1, Math.ceil(runs.length / (4 * workerCount)));
  const units: RunSpec[][] = [];
  for (const group of groups.values()) {
    const pieces = Math.ceil(group.length / limit);
    for (let p = 0; p < pieces; p++)
      units.push(
        group.slice(Math.floor((p * group.length) / pieces), Math.floor(((p + 1) * group.length) / pieces)),
      );
  }
  return units.sort((a, b) => b.length - a.length);
}
