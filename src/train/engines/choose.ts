import { AdgapError } from '../../errors.js';
import type { Engine } from '../engine.js';
import {
  assertEngineTrains,
  cpuEngineFor,
  cudaUnsupported,
  type GpuEngineAnswer,
  type GpuOffer,
  gpuBackendProblem,
  gpuEngineFor,
} from '../engine-support.js';
import type { EngineName } from '../result.js';
import type { RunSpec } from '../run-spec.js';
import { type CudaStatus, cudaGpuStatus } from './cuda/addon.js';
import { createLinearCpuEngine } from './linear-cpu/engine.js';
import { createMlpCpuEngine } from './mlp-cpu/engine.js';

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
  let name: EngineName | undefined = requested;
  if (name === undefined) {
    const status = gpu();
    const answer = await gpuEngineHere(runs, () => status);
    if (answer.engine === 'cuda' && status.available) return cudaEngine(status);
    // Silence where nobody built the addon: that is every CPU machine.
    if (!status.available && status.built && runs.every((r) => cudaUnsupported(r) === undefined))
      choice.onGpuUnusable?.(status.reason);
    name = answer.engine === 'tfjs' ? 'tfjs' : cpuEngineFor(runs);
  }
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

/**
 * The GPU engine createEngine gives `runs` here unasked, or every reason why none: `adgap paper` asks this
 * (through the job entry point, src/cli/job.ts, the one module outside the engines that may load them) before
 * it trains CIFAR-10 on this machine.
 */
export function gpuEngineHere(
  runs: readonly RunSpec[],
  gpu: () => CudaStatus = () => cudaGpuStatus(),
): Promise<GpuEngineAnswer> {
  return gpuEngineFor(runs, { cuda: cudaOffer(gpu()), tfjsGpuProblem: gpuBackendProblem });
}

function cudaOffer(status: CudaStatus): GpuOffer['cuda'] {
  if (!status.available) return { problem: status.reason };
  // The host build runs the kernels as CPU loops, for tests and equivalence checks.
  if (status.backend === 'host')
    return { problem: `the cuda addon is the host build (${status.device}), used only when asked for` };
  return { device: status.device };
}
