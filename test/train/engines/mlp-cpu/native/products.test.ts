import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { assembleSplits } from '../../../../../src/datasets/splits.js';
import { syntheticPools } from '../../../../../src/datasets/synthetic.js';
import { DEFAULT_SYNTHETIC_PARAMS, type LoadedDataset } from '../../../../../src/datasets/types.js';
import { Random, TrainingStream } from '../../../../../src/random.js';
import { MlpKernels, shareWithMlpKernels } from '../../../../../src/train/engines/mlp-cpu/kernels.js';
import {
  nativeProductsStatus,
  openNativeProducts,
  sourcesKey,
} from '../../../../../src/train/engines/mlp-cpu/native/products.js';
import type { ProductsChoice } from '../../../../../src/train/engines/mlp-cpu/products.js';
import { randomStartRows } from '../../../../../src/train/engines/wasm-worker/random-start.js';
import { pgdMethod } from '../../../../../src/train/protocol.js';
import { pixels } from '../../fixtures/datasets.js';
import { buildNativeProducts, nativeChoices } from '../../fixtures/native-products.js';

const BUILD = new URL('../../../../../src/train/engines/mlp-cpu/native/build.sh', import.meta.url).pathname;

let addon: string;
let choices: Extract<ProductsChoice, { kind: 'native' }>[];
beforeAll(() => {
  addon = buildNativeProducts();
  choices = nativeChoices(addon);
}, 180_000);

/** Gaussian data of `dim` features (rows padded to a multiple of 8 in the shared memory). */
function gaussianOf(dim: number, train: number): LoadedDataset {
  const sizes = { train, validation: 4, test: 4 };
  const synthetic = { ...DEFAULT_SYNTHETIC_PARAMS, dim };
  return {
    ref: { group: 'gaussian', R: 1, dataSeed: 0, sizes, synthetic },
    featureShape: [dim],
    pixelRange: false,
    splits: assembleSplits(syntheticPools('gaussian', synthetic, sizes, 0), sizes, 1),
  };
}

describe('the native hidden-layer products', () => {
  test('build.sh names its build by the sources key that products.ts looks for, and the build loads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'adgap-mlp-native-'));
    execFileSync(BUILD, [dir], { stdio: 'pipe' });
    expect(readdirSync(dir)).toEqual([`products-${sourcesKey()}.node`]);
    expect(nativeProductsStatus(join(dir, `products-${sourcesKey()}.node`))).toMatchObject({
      available: true,
    });
  }, 180_000);

  test('this CPU runs at least one kernel set, so the cases below test something', () => {
    expect(choices.length).toBeGreaterThan(0);
  });

  // Small integers, so every float32 sum is exact whatever the order: the products must equal the plain sums.
  // 100 features (rows of 104: a part vector at the end) and 700 (several blocks of 128 features, several
  // panels); 1 to 13 rows (every remainder of a block of 6 or 4 rows).
  test.each([
    [100, 13],
    [700, 7],
  ])('%i features, %i rows: each kernel set gives the plain sums of the three products', (dim, rows) => {
    for (const choice of choices) {
      const data = gaussianOf(dim, rows);
      const k = new MlpKernels(shareWithMlpKernels(data, 1, 64, choice), 0);
      const { stride, hidden: H } = k;
      const w = new Float32Array(H * stride);
      const bias = new Float32Array(H);
      for (let h = 0; h < H; h++) {
        bias[h] = h % 3;
        for (let j = 0; j < dim; j++) w[h * stride + j] = ((h + 2 * j) % 5) - 2;
      }
      k.useHiddenLayer(w, bias);
      const train = k.split('train');
      const row = (i: number) => (k.u32[train.rows / 4 + i] as number) / 4;
      for (let i = 0; i < 2 * rows; i++) for (let j = 0; j < dim; j++) k.f32[row(i) + j] = (i + j) % 4;
      const x = (i: number, j: number) => k.f32[row(i) + j] as number;
      // Each product's first wrong entry, if any (one expect per product keeps the test fast).
      const wrong: string[] = [];
      const check = (what: string, actual: number | undefined, expected: number) => {
        if (actual !== expected && wrong.length < 3)
          wrong.push(`${choice.set} ${what} = ${actual}, not ${expected}`);
      };
      for (let n = 1; n <= rows; n++) {
        k.hiddenForward(train.rows, n);
        for (let i = 0; i < n; i++)
          for (let h = 0; h < H; h++) {
            let sum = h % 3;
            for (let j = 0; j < dim; j++) sum += x(i, j) * (((h + 2 * j) % 5) - 2);
            check(`z[${i}][${h}] of ${n} rows`, k.z[i * H + h], sum);
          }
        for (let i = 0; i < n * H; i++) k.dz[i] = ((i * 7) % 3) - 1;
        k.grads.fill(Number.NaN);
        k.inputGradient(n);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < stride; j++) {
            let sum = 0;
            for (let h = 0; h < H; h++) sum += (k.dz[i * H + h] as number) * (w[h * stride + j] as number);
            check(`grads[${i}][${j}] of ${n} rows`, k.grads[i * stride + j], sum);
          }
        k.gw.fill(1);
        k.weightGradient(train.rows, n);
        for (let h = 0; h < H; h++)
          for (let j = 0; j < stride; j++) {
            let sum = 1;
            for (let i = 0; i < n; i++) sum += (k.dz[i * H + h] as number) * x(i, j);
            check(`gw[${h}][${j}] of ${n} rows`, k.gw[h * stride + j], sum);
          }
      }
      expect(wrong).toEqual([]);
    }
  });

  test("PGD's linf random start draws random-start.ts's values to the bit and leaves the stream where it does", () => {
    for (const choice of choices)
      for (const data of [gaussianOf(100, 13), pixels({ train: 7, validation: 4, test: 4 })]) {
        const k = new MlpKernels(shareWithMlpKernels(data, 1, 64, choice), 0);
        const spec = { norm: 'linf', eps: 0.3, method: pgdMethod('linf', 0.3, 10) } as const;
        k.selectBatch(
          k.split('train'),
          Uint32Array.from({ length: 13 }, (_, i) => i),
        );
        const row = new Float64Array(k.featureCount);
        const native = Random.stream(7, TrainingStream.attack);
        const typescript = Random.stream(7, TrainingStream.attack);
        k.work.fill(0);
        k.randomStart(k.batchRows, 13, spec, native, row);
        const drawn = k.work.slice(0, 13 * k.stride);
        k.work.fill(0);
        randomStartRows(k, k.batchRows, 13, spec, typescript, row, k.work);
        expect(drawn).toEqual(k.work.slice(0, 13 * k.stride));
        // Clipping happened where the data are pixels, and the start moved every feature.
        if (data.pixelRange) expect(drawn.some((v) => v === 0 || v === 1)).toBe(true);
        expect(native.uniform()).toBe(typescript.uniform());
      }
  });

  test('a product that names memory outside the shared memory is refused, not written', () => {
    for (const choice of choices) {
      const shared = shareWithMlpKernels(gaussianOf(100, 8), 1, 64, choice);
      const products = openNativeProducts(choice, shared.memory, shared.layout.stride, 200);
      const bytes = shared.memory.buffer.byteLength;
      expect(() => products.hiddenForward(0, 1, shared.layout.stride, 0, 200, 0, 0)).toThrow(
        'before useHiddenWeight',
      );
      products.useHiddenWeight(new Float32Array(200 * shared.layout.stride));
      expect(() => products.inputGradient(0, 1, 200, 0, shared.layout.stride, bytes - 16)).toThrow(
        RangeError,
      );
      expect(() => products.hiddenForward(bytes, 1, shared.layout.stride, 0, 200, 0, 0)).toThrow(
        'outside the shared memory',
      );
      expect(() => products.useHiddenWeight(new Float32Array(3))).toThrow('hidden x stride');
      expect(() => products.weightGradient(0, 1, 96, 0, 200, 0)).toThrow('differ from those');
    }
  });

  test('a missing build and a file that is not an addon are reasons, not crashes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'adgap-mlp-native-'));
    expect(nativeProductsStatus(join(dir, 'none.node'))).toMatchObject({
      available: false,
      reason: expect.stringContaining('no native build of these sources'),
    });
    const garbage = join(dir, 'garbage.node');
    writeFileSync(garbage, 'not an addon');
    expect(nativeProductsStatus(garbage)).toMatchObject({
      available: false,
      reason: expect.stringContaining('does not load'),
    });
  });
});
