import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { NATIVE_SETS, type NativeProducts, type NativeSet, type ProductsChoice } from '../products.js';

/**
 * mlp-cpu's hidden-layer products on the cores' own vectors: an N-API addon (addon.cc) of register-blocked
 * AVX-512 and AVX2 kernels (kernels.cc), the set chosen at run time from the CPU's features. build.sh builds
 * it from source with g++ (npm's postinstall runs it; nothing is downloaded or committed); where it is not
 * built, does not load, or the CPU has neither set, mlp-cpu trains on its WebAssembly kernels and its results
 * say so (backend `wasm-simd`). docs/performance.md has the measurements and the reasons.
 */

/** What build.sh hashes into the build's name, in its order. */
const SOURCES = ['addon.cc', 'kernels.cc', 'kernels.h', 'build.sh'];

/** The key build.sh names its default output by: a build of other sources is never loaded. */
export function sourcesKey(): string {
  const hash = createHash('sha256');
  for (const name of SOURCES) hash.update(readFileSync(new URL(`./${name}`, import.meta.url)));
  return hash.digest('hex').slice(0, 16);
}

/** Where build.sh puts the build of these sources in a checkout: build/mlp-native/products-<key>.node. */
export function defaultNativeAddon(): string {
  return fileURLToPath(
    new URL(`../../../../../build/mlp-native/products-${sourcesKey()}.node`, import.meta.url),
  );
}

interface NativeAddon {
  /** The kernel sets this CPU runs, fastest first. */
  sets(): string[];
  open(memory: Uint8Array, stride: number, hidden: number, set: NativeSet): NativeProducts;
}

export type NativeStatus =
  | { available: true; choice: Extract<ProductsChoice, { kind: 'native' }> }
  | { available: false; reason: string };

function load(path: string): NativeAddon {
  return createRequire(import.meta.url)(path) as NativeAddon;
}

/**
 * Whether the addon at `path` loads here and which kernel set it would use (`set`, if given, instead of the
 * fastest). Never throws: a missing build, a failed load and a CPU without AVX2 are reasons.
 */
export function nativeProductsStatus(path?: string, set?: NativeSet): NativeStatus {
  if (path === undefined) {
    try {
      return nativeProductsStatus(defaultNativeAddon(), set);
    } catch (error) {
      // A copy of the engines without their sources beside them (bench/gpu-bundle.mjs's bundle).
      return {
        available: false,
        reason: `the native products' sources cannot be read: ${(error as Error).message}`,
      };
    }
  }
  if (!existsSync(path))
    return {
      available: false,
      reason: `no native build of these sources at ${path} (src/train/engines/mlp-cpu/native/build.sh builds it)`,
    };
  let sets: string[];
  try {
    sets = load(path).sets();
  } catch (error) {
    return { available: false, reason: `the addon at ${path} does not load: ${(error as Error).message}` };
  }
  const chosen = NATIVE_SETS.find((s) => sets.includes(s) && (set === undefined || s === set));
  if (!chosen)
    return {
      available: false,
      reason: set ? `this CPU cannot run the ${set} kernels` : 'this CPU has neither AVX-512 nor AVX2',
    };
  return { available: true, choice: { kind: 'native', addon: path, set: chosen } };
}

/** A worker's native products on the memory it shares, hidden rows of `stride` floats. */
export function openNativeProducts(
  choice: Extract<ProductsChoice, { kind: 'native' }>,
  memory: WebAssembly.Memory,
  stride: number,
  hidden: number,
): NativeProducts {
  return load(choice.addon).open(new Uint8Array(memory.buffer), stride, hidden, choice.set);
}
