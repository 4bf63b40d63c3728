import { stackable } from '../../cell-schedule.js';
import type { EngineDescriptor, EngineProbe } from '../../engine.js';
import type { RunSpec } from '../../run-spec.js';
import type { CudaAddon, CudaStatus } from './addon.js';

/** What the cuda engine is created with: the loaded addon and the backend its results name. */
export interface CudaFound {
  addon: CudaAddon;
  backend: string;
}

/**
 * How the chooser sees an addon's status: the GPU build on a GPU is chosen unasked; the host build (the kernels
 * as CPU loops, for tests and equivalence checks) only when asked for; a built addon that cannot run is worth
 * telling, a missing one (every CPU machine) is not.
 */
export function cudaProbe(status: CudaStatus): EngineProbe<CudaFound> {
  if (!status.available) return { runs: 'no', problem: status.reason, tell: status.built };
  if (status.backend === 'host')
    return {
      runs: 'when-asked',
      found: { addon: status.addon, backend: 'host' },
      problem: `the cuda addon is the host build (${status.device}), used only when asked for`,
    };
  return {
    runs: 'gpu',
    found: { addon: status.addon, backend: `cuda ${status.device}` },
    where: `cuda (${status.device})`,
  };
}

/** The addon at `path` (default: where build.sh puts it in this checkout), loaded once per process. */
export async function probeCudaAddon(path?: string): Promise<EngineProbe<CudaFound>> {
  const { cudaGpuStatus } = await import('./addon.js');
  return cudaProbe(cudaGpuStatus(path));
}

/**
 * The `cuda` engine (engine.ts): what a stacked cell trains (stackable: the linear model or the MLP, any
 * optimiser and attack, the clean objective, adgap's fidelity), in cell.cu's CUDA kernels on one GPU.
 */
export const cuda: EngineDescriptor<CudaFound> & { name: 'cuda' } = {
  name: 'cuda',
  devices: ['gpu'],
  unsupported(run: RunSpec) {
    if (stackable(run)) return undefined;
    if (run.model !== 'linear' && run.model !== 'mlp')
      return `cuda trains the linear model and the MLP only (run ${run.runId} uses '${run.model}')`;
    if (run.fidelity !== 'adgap')
      return `cuda trains adgap's fidelity only (run ${run.runId} uses '${run.fidelity}')`;
    return `cuda trains the clean objective only (run ${run.runId} uses '${run.objective}')`;
  },
  probe: () => probeCudaAddon(),
  async create({ addon, backend }) {
    const { createCudaEngine } = await import('./engine.js');
    return createCudaEngine(addon, backend);
  },
};
