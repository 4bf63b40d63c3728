import { availableParallelism } from 'node:os';
import type { Engine } from '../../engine.js';
import { createWorkerEngine } from '../wasm-worker/worker-engine.js';
import { shareWithMlpKernels } from './kernels.js';

const WORKER = new URL('./worker.ts', import.meta.url);

/**
 * The `mlp-cpu` engine: the MLP (protocol.md) with its hidden layer's matrix products in WebAssembly SIMD
 * kernels (kernels.as.ts), the runs of a cell trained together on one worker thread per core, the dataset in
 * one shared memory, runs that share a seed sharing batches and initial weights (the wasm engines' worker machinery, wasm-worker/).
 * Why not tfjs: docs/performance.md has the measured rates of both and of PyTorch.
 */
export function createMlpCpuEngine(workerCount: number = availableParallelism()): Engine<'mlp-cpu'> {
  return createWorkerEngine({ name: 'mlp-cpu', worker: WORKER, share: shareWithMlpKernels }, workerCount);
}
