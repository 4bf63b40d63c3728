import { availableParallelism } from 'node:os';
import { ValidationError } from '../../../errors.js';
import type { Engine } from '../../engine.js';
import type { RunSpec } from '../../run-spec.js';
import { createWorkerEngine } from '../linear-cpu/engine.js';
import { shareWithMlpKernels } from './kernels.js';

const WORKER = new URL('./worker.ts', import.meta.url);

/**
 * The `mlp-cpu` engine: the MLP (protocol.md) with its hidden layer's matrix products in WebAssembly SIMD
 * kernels (kernels.as.ts), the runs of a cell trained together on one worker thread per core, the dataset in
 * one shared memory, runs that share a seed sharing batches and initial weights (linear-cpu's machinery).
 * Why not tfjs: docs/performance.md has the measured rates of both and of PyTorch.
 */
export function createMlpCpuEngine(workerCount: number = availableParallelism()): Engine {
  return createWorkerEngine(
    { name: 'mlp-cpu', worker: WORKER, share: shareWithMlpKernels, assertRuns: assertMlpCpuRuns },
    workerCount,
  );
}

/**
 * Why mlp-cpu cannot train `run` exactly as the protocol says, or undefined when it can: every optimiser,
 * attack and objective of the MLP is implemented (mlp-model.ts), other models are not.
 */
export function mlpCpuUnsupported(run: RunSpec): string | undefined {
  if (run.model !== 'mlp') return `mlp-cpu trains the mlp model only (run ${run.runId} uses '${run.model}')`;
  return undefined;
}

/** Asking mlp-cpu for a run it cannot train is a user error, caught before anything trains. */
export function assertMlpCpuRuns(runs: readonly RunSpec[]): void {
  for (const run of runs) {
    const reason = mlpCpuUnsupported(run);
    if (reason) throw new ValidationError('engine', `${reason}; use --engine tfjs, or no --engine`);
  }
}
