import type { EngineDescriptor } from '../../engine.js';
import type { ProductsChoice } from './products.js';

/**
 * The `mlp-cpu` engine (engine.ts): the MLP, every optimiser, attack and objective of it (mlp-model.ts), on one
 * worker thread per core, its hidden layer's products in the native addon (native/) where it is built and
 * loads, else in WebAssembly SIMD kernels; not reference fidelity's quirks. The probe says which: `found` is
 * the products every worker opens, `where` the backend its results record.
 */
export const mlpCpu: EngineDescriptor<ProductsChoice> & { name: 'mlp-cpu' } = {
  name: 'mlp-cpu',
  devices: ['cpu'],
  unsupported(run) {
    if (run.model !== 'mlp')
      return `mlp-cpu trains the mlp model only (run ${run.runId} uses '${run.model}')`;
    if (run.fidelity !== 'adgap')
      return `mlp-cpu trains adgap fidelity only (run ${run.runId} asks for '${run.fidelity}'; tfjs implements it)`;
    return undefined;
  },
  async probe() {
    const { nativeOrWasm } = await import('./engine.js');
    const { productsBackend } = await import('./products.js');
    const products = nativeOrWasm();
    return { runs: 'cpu', found: products, where: productsBackend(products) };
  },
  async create(products) {
    const { createMlpCpuEngine } = await import('./engine.js');
    return createMlpCpuEngine(undefined, products);
  },
};
