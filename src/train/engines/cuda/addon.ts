import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** An opaque handle to a cell living in the addon (cell.cu's Cell). */
export type NativeCellHandle = { readonly __nativeCell: unique symbol };

/** cell.cu's Node-API exports, positional as cell.cu documents them. */
export interface CudaAddon {
  device(): { backend: 'cuda' | 'host'; name?: string; reason?: string };
  create(
    ints: Int32Array,
    doubles: Float64Array,
    trainX: Float32Array,
    trainY: Int32Array,
    validationX: Float32Array,
    validationY: Int32Array,
    parameters: Float32Array[],
    learningRates: Float32Array,
    streams: Uint32Array,
  ): NativeCellHandle;
  step(cell: NativeCellHandle, indices: Int32Array, size: number): void;
  validationLosses(cell: NativeCellHandle): Float32Array;
  observe(cell: NativeCellHandle, improved: Uint8Array, active: Float32Array): void;
  parameters(cell: NativeCellHandle, model: number, best: boolean): Float32Array[];
  dispose(cell: NativeCellHandle): void;
}

/** A loaded addon whose kernels can run here, or why not. */
export type CudaStatus =
  | { available: true; addon: CudaAddon; backend: 'cuda' | 'host'; device: string }
  | { available: false; reason: string; built: boolean };

/** Where build.sh puts the GPU build in a checkout: <repo>/build/cuda/adgap-cuda.node. */
export const DEFAULT_CUDA_ADDON = fileURLToPath(
  new URL('../../../../build/cuda/adgap-cuda.node', import.meta.url),
);

/**
 * Loads an addon build and asks it whether its kernels can run here. Never throws: a missing build, a failed
 * load and a machine without a usable GPU are all reasons.
 */
export function loadCudaAddon(path: string): CudaStatus {
  if (!existsSync(path)) {
    return {
      available: false,
      reason: `no cuda addon at ${path} (build it on a machine with nvcc: src/train/engines/cuda/build.sh cuda)`,
      built: false,
    };
  }
  let addon: CudaAddon;
  try {
    addon = createRequire(import.meta.url)(path) as CudaAddon;
  } catch (error) {
    return {
      available: false,
      reason: `the cuda addon at ${path} does not load: ${(error as Error).message}`,
      built: true,
    };
  }
  let device: ReturnType<CudaAddon['device']>;
  try {
    device = addon.device();
  } catch (error) {
    return { available: false, reason: `no usable GPU: ${(error as Error).message}`, built: true };
  }
  if (device.reason !== undefined || device.name === undefined) {
    return { available: false, reason: `no usable GPU: ${device.reason ?? 'unknown'}`, built: true };
  }
  return { available: true, addon, backend: device.backend, device: device.name };
}

const loaded = new Map<string, CudaStatus>();

/**
 * The status of the GPU build at `path` (default: where build.sh puts it in this checkout; the job entry point
 * passes ADGAP_CUDA_ADDON), loaded once per process: what the engine chooser asks.
 */
export function cudaGpuStatus(path = DEFAULT_CUDA_ADDON): CudaStatus {
  const status = loaded.get(path) ?? loadCudaAddon(path);
  loaded.set(path, status);
  return status;
}
