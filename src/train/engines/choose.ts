import type { Engine } from '../engine.js';
import { assertLinearCpuRuns, linearCpuUnsupported } from '../engine-support.js';
import type { EngineName } from '../result.js';
import type { RunSpec } from '../run-spec.js';
import { createLinearCpuEngine } from './linear-cpu/engine.js';
import { gpuBackendLoads } from './tfjs/gpu.js';

/**
 * The engine of a job (one cell): the sweep's explicit choice, else `linear-cpu` when it trains every run
 * exactly (linearCpuUnsupported) and no GPU backend loads (it is several times faster than tfjs on CPUs, see
 * docs/performance.md), else `tfjs`, which trains everything.
 */
export async function createEngine(
  runs: readonly RunSpec[],
  requested: EngineName | undefined,
): Promise<Engine> {
  const name =
    requested ??
    (runs.every((r) => linearCpuUnsupported(r) === undefined) && !(await gpuBackendLoads())
      ? 'linear-cpu'
      : 'tfjs');
  if (name === 'linear-cpu') {
    assertLinearCpuRuns(runs);
    return createLinearCpuEngine();
  }
  // Loaded only here: tfjs takes a second to load and linear-cpu does not need it.
  const { createTfjsEngine } = await import('./tfjs/engine.js');
  return createTfjsEngine();
}
