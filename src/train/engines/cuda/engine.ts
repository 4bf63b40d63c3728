import type { LoadedDataset } from '../../../datasets/types.js';
import { stackableGroups } from '../../cell-schedule.js';
import type { Engine, RunOutcome } from '../../engine.js';
import { assertCudaRuns } from '../../engine-support.js';
import type { RunSpec } from '../../run-spec.js';
import { SharedWallTime } from '../../run-timing.js';
import { useFastestBackend } from '../tfjs/tf.js';
import type { CudaAddon } from './addon.js';
import { CudaCell } from './cell.js';

/**
 * The `cuda` engine: the runs a stacked cell trains exactly (stackable: the linear model or the MLP, any
 * optimiser and attack, the clean objective), each cell of them in cell.cu's hand-written CUDA kernels on one
 * GPU. The final evaluation of each run is the stacked tfjs cell's (cellRunMetrics: tfjs/evaluate.ts and
 * robust.ts on tfjs's fastest CPU backend), so both report a run's metrics by the same code. `backend` names the device, e.g. "cuda NVIDIA H200 (sm_90)", or "host" for the CPU build of the
 * same kernels that tests use.
 */
export async function createCudaEngine(addon: CudaAddon, backend: string): Promise<Engine> {
  await useFastestBackend();
  return {
    name: 'cuda',
    backend,
    async train(runs, data, onOutcome, signal) {
      assertCudaRuns(runs);
      for (const group of stackableGroups(runs)) {
        if (signal?.aborted) return;
        await trainCell(addon, group, data, onOutcome, signal);
      }
    },
  };
}

/** One cell; each run's outcome is reported as soon as its early stopping ends it. */
async function trainCell(
  addon: CudaAddon,
  group: readonly RunSpec[],
  data: LoadedDataset,
  onOutcome: (outcome: RunOutcome) => Promise<void>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const clock = new SharedWallTime(group.length);
  let cell: CudaCell | undefined;
  try {
    cell = new CudaCell(addon, group, data);
    while (!cell.done()) {
      const training = group.flatMap((_run, index) => (cell?.isFinished(index) ? [] : [index]));
      const ended = cell.trainEpoch();
      clock.charge(training);
      for (const index of ended) {
        const trained = cell.result(index);
        clock.charge([index]);
        await onOutcome({ run: group[index] as RunSpec, trained, ...clock.seconds(index) });
      }
      // Yield once an epoch so signals (SIGTERM on a Spot reclaim) are handled between epochs.
      await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted) return;
    }
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    for (const [index, run] of group.entries())
      if (!cell?.isFinished(index)) await onOutcome({ run, error: failure });
  } finally {
    cell?.dispose();
  }
}
