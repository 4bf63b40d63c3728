import { availableParallelism } from 'node:os';
import type { Engine } from '../../engine.js';
import { createWorkerEngine } from '../wasm-worker/worker-engine.js';
import { shareWithMlpKernels } from './kernels.js';
import { nativeProductsStatus } from './native/products.js';
import { type ProductsChoice, productsBackend, WASM_PRODUCTS } from './products.js';

const WORKER = new URL('./worker.ts', import.meta.url);

/**
 * The `mlp-cpu` engine: the MLP (protocol.md), the runs of a cell trained together on one worker thread per
 * core, the dataset in one shared memory, runs that share a seed sharing batches and initial weights (the wasm
 * engines' worker machinery, wasm-worker/). Its hidden layer's matrix products, the whole cost, run in the
 * native addon (native/, AVX-512 or AVX2) where it is built and loads, else in WebAssembly SIMD kernels
 * (kernels.as.ts); `backend` says which. Why not tfjs: docs/performance.md has the measured rates of both and of
 * PyTorch.
 */
export function createMlpCpuEngine(
  workerCount: number = availableParallelism(),
  products: ProductsChoice = nativeOrWasm(),
): Engine<'mlp-cpu'> {
  return createWorkerEngine(
    {
      name: 'mlp-cpu',
      backend: productsBackend(products),
      worker: WORKER,
      share: (data, slots, maxBatch) => shareWithMlpKernels(data, slots, maxBatch, products),
    },
    workerCount,
  );
}

/** The native products where they are built for these sources and this CPU runs them, else the wasm kernels. */
export function nativeOrWasm(): ProductsChoice {
  const status = nativeProductsStatus();
  return status.available ? status.choice : WASM_PRODUCTS;
}
