import type { EngineDescriptor } from '../../engine.js';

/**
 * The `mlp-cpu` engine (engine.ts): the MLP, every optimiser, attack and objective of it (mlp-model.ts), in
 * WebAssembly SIMD kernels on one worker thread per core; not reference fidelity's quirks.
 */
export const mlpCpu: EngineDescriptor<undefined> & { name: 'mlp-cpu' } = {
  name: 'mlp-cpu',
  devices: ['cpu'],
  unsupported(run) {
    if (run.model !== 'mlp')
      return `mlp-cpu trains the mlp model only (run ${run.runId} uses '${run.model}')`;
    if (run.fidelity !== 'adgap')
      return `mlp-cpu trains adgap fidelity only (run ${run.runId} asks for '${run.fidelity}'; tfjs implements it)`;
    return undefined;
  },
  probe: async () => ({ runs: 'cpu', found: undefined, where: 'wasm-simd' }),
  async create() {
    const { createMlpCpuEngine } = await import('./engine.js');
    return createMlpCpuEngine();
  },
};
