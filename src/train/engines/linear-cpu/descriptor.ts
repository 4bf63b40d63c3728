import type { EngineDescriptor } from '../../engine.js';

/**
 * The `linear-cpu` engine (engine.ts): the linear model, every optimiser, attack and objective of it
 * (linear-model.ts), in WebAssembly SIMD kernels on one worker thread per core.
 */
export const linearCpu: EngineDescriptor<undefined> & { name: 'linear-cpu' } = {
  name: 'linear-cpu',
  devices: ['cpu'],
  unsupported: (run) =>
    run.model === 'linear'
      ? undefined
      : `linear-cpu trains the linear model only (run ${run.runId} uses '${run.model}')`,
  probe: async () => ({ runs: 'cpu', found: undefined, where: 'wasm-simd' }),
  async create() {
    const { createLinearCpuEngine } = await import('./engine.js');
    return createLinearCpuEngine();
  },
};
