import { availableParallelism } from 'node:os';
import type { Engine } from '../../engine.js';
import { createWorkerEngine } from '../wasm-worker/worker-engine.js';
import { shareWithLinearKernels } from './kernels.js';

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
export function createLinearCpuEngine(workerCount: number = availableParallelism()): Engine<'linear-cpu'> {
  return createWorkerEngine(
    { name: 'linear-cpu', worker: WORKER, share: shareWithLinearKernels },
    workerCount,
  );
}
