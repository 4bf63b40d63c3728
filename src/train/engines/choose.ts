import { AdgapError } from '../../errors.js';
import type { Engine } from '../engine.js';
import { assertEngineTrains, cpuEngineFor, cudaUnsupported } from '../engine-support.js';
import type { EngineName } from '../result.js';
import type { RunSpec } from '../run-spec.js';
import { type CudaStatus, cudaGpuStatus } from './cuda/addon.js';
import { createLinearCpuEngine } from './linear-cpu/engine.js';
import { createMlpCpuEngine } from './mlp-cpu/engine.js';
import { gpuBackendLoads } from './tfjs/gpu.js';

export interface EngineChoice {
  /** The GPU build's status (default: cudaGpuStatus() of the addon build.sh writes into this checkout). */
  gpu?: () => CudaStatus;
  /** Told why a built cuda addon is not used (no GPU, no driver, a build for another GPU). */
  onGpuUnusable?: (reason: string) => void;
}

/**
 * The engine of a job (one cell): the sweep's explicit choice; else `cuda` when its addon is built, a GPU can
 * run it and it trains every run exactly (the linear model and the MLP, the clean objective); else tfjs when a
 * GPU backend loads; else cpuEngineFor's choice (linear-cpu or mlp-cpu when one trains every run exactly; they
 * are several times faster than tfjs on CPUs, see docs/performance.md), else `tfjs`, which trains everything.
 */
export async function createEngine(
  runs: readonly RunSpec[],
  requested: EngineName | undefined,
  choice: EngineChoice = {},
): Promise<Engine> {
  const gpu = choice.gpu ?? (() => cudaGpuStatus());
  if (requested === 'cuda') {
    assertEngineTrains('cuda', runs);
    const status = gpu();
    if (!status.available) throw new AdgapError(`engine: cuda cannot run here: ${status.reason}`);
    return cudaEngine(status);
  }
  if (requested === undefined && runs.every((r) => cudaUnsupported(r) === undefined)) {
    const status = gpu();
    if (status.available && status.backend === 'cuda') return cudaEngine(status);
    // Silence where nobody built the addon: that is every CPU machine.
    if (!status.available && status.built) choice.onGpuUnusable?.(status.reason);
  }
  const name = requested ?? ((await gpuBackendLoads()) ? 'tfjs' : cpuEngineFor(runs));
  assertEngineTrains(name, runs);
  if (name === 'linear-cpu') return createLinearCpuEngine();
  if (name === 'mlp-cpu') return createMlpCpuEngine();
  // Loaded only here: tfjs takes a second to load and the wasm engines do not need it.
  const { createTfjsEngine } = await import('./tfjs/engine.js');
  return createTfjsEngine();
}

async function cudaEngine(status: Extract<CudaStatus, { available: true }>): Promise<Engine> {
  // Loaded only here: the engine's final evaluation loads tfjs.
  const { createCudaEngine } = await import('./cuda/engine.js');
  return createCudaEngine(status.addon, status.backend === 'cuda' ? `cuda ${status.device}` : 'host');
}
