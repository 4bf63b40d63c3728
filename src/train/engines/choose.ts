import type { Engine } from '../engine.js';
import { gpuBackendLoads } from '../gpu.js';
import type { EngineName } from '../result.js';
import type { RunSpec } from '../run-spec.js';
import { assertLinearCpuRuns, createLinearCpuEngine, linearCpuUnsupported } from './linear-cpu/engine.js';
import { assertMlpCpuRuns, createMlpCpuEngine, mlpCpuUnsupported } from './mlp-cpu/engine.js';

/**
 * The engine a cell of `runs` gets on a machine without a GPU backend: `linear-cpu` when it trains every run
 * exactly (linearCpuUnsupported), `mlp-cpu` when that one does (mlpCpuUnsupported); both are several times
 * faster than tfjs on CPUs (docs/performance.md). Else `tfjs`, which trains everything.
 */
export function cpuEngineFor(runs: readonly RunSpec[]): EngineName {
  if (runs.every((r) => linearCpuUnsupported(r) === undefined)) return 'linear-cpu';
  if (runs.every((r) => mlpCpuUnsupported(r) === undefined)) return 'mlp-cpu';
  return 'tfjs';
}

/**
 * The engine of a job (one cell): the sweep's explicit choice, else tfjs when a GPU backend loads, else
 * cpuEngineFor's choice.
 */
export async function createEngine(
  runs: readonly RunSpec[],
  requested: EngineName | undefined,
): Promise<Engine> {
  const name = requested ?? ((await gpuBackendLoads()) ? 'tfjs' : cpuEngineFor(runs));
  if (name === 'linear-cpu') {
    assertLinearCpuRuns(runs);
    return createLinearCpuEngine();
  }
  if (name === 'mlp-cpu') {
    assertMlpCpuRuns(runs);
    return createMlpCpuEngine();
  }
  // Loaded only here: tfjs takes a second to load and the wasm engines do not need it.
  const { createTfjsEngine } = await import('./tfjs.js');
  return createTfjsEngine();
}

/** A user's explicit engine must train every run exactly; tfjs trains everything. */
export function assertEngineTrains(engine: EngineName | undefined, runs: readonly RunSpec[]): void {
  if (engine === 'linear-cpu') assertLinearCpuRuns(runs);
  if (engine === 'mlp-cpu') assertMlpCpuRuns(runs);
}
