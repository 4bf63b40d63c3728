import type { Engine } from '../engine.js';
import type { EngineName } from '../result.js';
import type { RunSpec } from '../run-spec.js';
import { gpuBackendLoads } from '../tf.js';
import { assertLinearCpuRuns, createLinearCpuEngine } from './linear-cpu/engine.js';
import { createTfjsEngine } from './tfjs.js';

/**
 * The engine of a job: the sweep's explicit choice, else `linear-cpu` when every run is linear and no GPU
 * backend loads (it is several times faster than tfjs on CPUs, see docs/performance.md), else `tfjs`.
 */
export async function createEngine(
  runs: readonly RunSpec[],
  requested: EngineName | undefined,
): Promise<Engine> {
  const name =
    requested ??
    (runs.every((r) => r.model === 'linear') && !(await gpuBackendLoads()) ? 'linear-cpu' : 'tfjs');
  if (name === 'linear-cpu') {
    assertLinearCpuRuns(runs);
    return createLinearCpuEngine();
  }
  return createTfjsEngine();
}
