import type { EngineDescriptor } from '../../engine.js';

/**
 * The `tfjs` engine (engine.ts): every model, optimiser, attack, objective and fidelity, on tfjs-node-gpu's
 * `tensorflow` backend where it loads (a GPU), else on the CPUs (wasm).
 */
export const tfjs: EngineDescriptor<undefined> & { name: 'tfjs' } = {
  name: 'tfjs',
  devices: ['gpu', 'cpu'],
  unsupported: () => undefined,
  async probe() {
    const { gpuBackendProblem } = await import('../tfjs-shared/gpu.js');
    const problem = await gpuBackendProblem();
    if (problem === undefined) return { runs: 'gpu', found: undefined, where: 'tfjs-node-gpu' };
    return { runs: 'cpu', found: undefined, where: 'tfjs on the CPUs', problem };
  },
  async create() {
    const { createTfjsEngine } = await import('./engine.js');
    return createTfjsEngine();
  },
};
