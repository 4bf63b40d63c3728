import { stackableGroups } from '../../cell-schedule.js';
import type { Engine } from '../../engine.js';
import { driveEpochs } from '../../epoch-driver.js';
import { useFastestBackend } from '../tfjs-shared/tf.js';
import type { CudaAddon } from './addon.js';
import { CudaCell } from './cell.js';

/**
 * The `cuda` engine: the runs a stacked cell trains exactly (stackable: the linear model or the MLP, any
 * optimiser and attack, the clean objective), each cell of them in cell.cu's hand-written CUDA kernels on one
 * GPU. The final evaluation of each run is the stacked tfjs cell's (withStackedModel in tfjs-shared/evaluate.ts and
 * evaluation.ts, on tfjs's fastest CPU backend), so both report a run's metrics by the same code. `backend` names the device, e.g. "cuda NVIDIA H200 (sm_90)", or "host" for the CPU build of the
 * same kernels that tests use.
 */
export async function createCudaEngine(addon: CudaAddon, backend: string): Promise<Engine> {
  await useFastestBackend();
  return {
    name: 'cuda',
    backend,
    async train(runs, data, onOutcome, signal) {
      for (const group of stackableGroups(runs)) {
        if (signal?.aborted) return;
        await driveEpochs({ runs: group, open: () => new CudaCell(addon, group, data), onOutcome, signal });
      }
    },
  };
}
