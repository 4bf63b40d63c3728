/**
 * The seam between mlp-cpu and what computes its hidden layer's three matrix products (docs/performance.md):
 * the WebAssembly kernels beside this file (kernels.as.ts) or the native addon (native/). Both read
 * and write the memory the workers share, at byte addresses, with kernels.as.ts's signatures; everything else
 * of the engine (output layer, loss, attacks' steps, optimisers) is the same code whichever computes them.
 */
export interface HiddenLayerProducts {
  /**
   * The hidden weight every later product reads (transposed: hidden rows of stride floats, padding zero). The
   * products' `w` arguments say where the wasm kernels keep their copy of it; the native ones keep their own.
   */
  useHiddenWeight(w: Float32Array): void;
  /** z[i] = bias + w row_i for the n rows listed at `rows`. */
  hiddenForward(
    rows: number,
    n: number,
    stride: number,
    w: number,
    hidden: number,
    bias: number,
    z: number,
  ): void;
  /** out[i] = w^T dz[i]: the input gradient, given the gradient with respect to the pre-activations. */
  inputGradient(dz: number, n: number, hidden: number, w: number, stride: number, out: number): void;
  /** gw += sum_i dz[i] row_i^T: the hidden weight's gradient, laid out as w. */
  weightGradient(rows: number, n: number, stride: number, dz: number, hidden: number, gw: number): void;
}

/**
 * What the native addon also does: PGD's linf random start, random-start.ts's bit for bit (the same
 * xoroshiro128+ draws in the same double arithmetic, each rounded to float32 as tfjs stores it), where
 * TypeScript's draws cost as much as several products a step. `state` is the run's stream (Random.state()),
 * advanced in place; the n rows listed at `origins` plus the draws, boxed to [0,1] when `clip`, go to n
 * contiguous rows of stride at `work`.
 */
export interface NativeProducts extends HiddenLayerProducts {
  randomStartLinf(
    state: Uint32Array,
    origins: number,
    n: number,
    featureCount: number,
    eps: number,
    clip: boolean,
    work: number,
  ): void;
}

/** Instruction sets the native kernels are built for, fastest first. */
export const NATIVE_SETS = ['avx512', 'avx2'] as const;
export type NativeSet = (typeof NATIVE_SETS)[number];

/**
 * Which products a cell's workers open. Plain data: it crosses to the workers with the shared memory, and the
 * engine chooses it once on the main thread (native where the addon is built and loads, else wasm).
 */
export type ProductsChoice = { kind: 'wasm' } | { kind: 'native'; addon: string; set: NativeSet };

export const WASM_PRODUCTS: ProductsChoice = { kind: 'wasm' };

/** The backend a result records: `wasm-simd`, `native-avx512` or `native-avx2`. */
export function productsBackend(choice: ProductsChoice): string {
  return choice.kind === 'wasm' ? 'wasm-simd' : `native-${choice.set}`;
}
