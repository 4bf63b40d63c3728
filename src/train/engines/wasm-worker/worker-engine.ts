import type { LoadedDataset } from '../../../datasets/types.js';
import type { Engine } from '../../engine.js';
import type { RunSpec } from '../../run-spec.js';
import { sameBatchesKey } from './group-cell.js';
import type { SharedKernelData } from './kernel-memory.js';
import type { WorkerOutcome } from './serve-training.js';
import { runOnWorkers } from './worker-pool.js';

/** What distinguishes one wasm engine from another: its worker module and its kernels' scratch. */
export interface WorkerEngineSpec<Name extends string> {
  name: Name;
  /** What its results record as the backend (default `wasm-simd`): mlp-cpu names its native products. */
  backend?: string;
  /** The worker's module: it opens its kernels on the shared data and trains units of runs (serve-training.ts). */
  worker: URL;
  share: (data: LoadedDataset, slots: number, maxBatch: number) => SharedKernelData;
}

/**
 * An engine whose runs train on one worker thread per core, the dataset in one shared memory, units of runs
 * that share batches handed to whichever worker is free (trainingUnits), each trained there by the epoch driver
 * (serve-training.ts); linear-cpu and mlp-cpu are two. The runs must be ones the engine trains exactly (its
 * descriptor's `unsupported`, which the chooser asks).
 */
export function createWorkerEngine<Name extends string>(
  spec: WorkerEngineSpec<Name>,
  workerCount: number,
): Engine<Name> {
  return {
    name: spec.name,
    backend: spec.backend ?? 'wasm-simd',
    async train(runs, data, onOutcome, signal) {
      const byId = new Map(runs.map((r) => [r.runId, r]));
      const finished = new Set<string>();
      await runOnWorkers<RunSpec[], WorkerOutcome>({
        entry: spec.worker,
        data: spec.share(data, workerCount, Math.max(...runs.map((r) => r.batchSize))),
        units: trainingUnits(runs, workerCount),
        workerCount,
        signal,
        onMessage: async (_unit, { runId, ...outcome }) => {
          finished.add(runId);
          const run = byId.get(runId) as RunSpec;
          await onOutcome(
            'error' in outcome ? { run, error: new Error(outcome.error) } : { run, ...outcome },
          );
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
