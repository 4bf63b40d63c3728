import type { Engine } from '../engine.js';
import { assertEngineTrains, cpuEngineFor } from '../engine-support.js';
import type { EngineName } from '../result.js';
import type { RunSpec } from '../run-spec.js';
import { createLinearCpuEngine } from './linear-cpu/engine.js';
import { createMlpCpuEngine } from './mlp-cpu/engine.js';
import { gpuBackendLoads } from './tfjs/gpu.js';

/**
 * The engine of a job (one cell): the sweep's explicit choice, else tfjs when a GPU backend loads, else
 * cpuEngineFor's choice (linear-cpu or mlp-cpu when one trains every run exactly; they are several times faster
 * than tfjs on CPUs, see docs/performance.md), else `tfjs`, which trains everything.
 */
export async function createEngine(
  runs: readonly RunSpec[],
  requested: EngineName | undefined,
): Promise<Engine> {
  const name = requested ?? ((await gpuBackendLoads()) ? 'tfjs' : cpuEngineFor(runs));
  assertEngineTrains(name, runs);
  if (name === 'linear-cpu') return createLinearCpuEngine();
  if (name === 'mlp-cpu') return createMlpCpuEngine();
  // Loaded only here: tfjs takes a second to load and the wasm engines do not need it.
  const { createTfjsEngine } = await import('./tfjs/engine.js');
  return createTfjsEngine();
}
