import { describe, expect, test } from 'vitest';
import { MlpKernels, shareWithMlpKernels } from '../../../../src/train/engines/mlp-cpu/kernels.js';
import { gaussian } from '../fixtures/datasets.js';
import { expectCommittedBuild, expectOpeningLeavesDataset } from '../fixtures/wasm-kernels.js';

const SOURCE_DIR = new URL('../../../../src/train/engines/mlp-cpu/', import.meta.url);

describe('the mlp-cpu kernels', () => {
  test('the committed kernels.wasm is what kernels.as.ts compiles to', async () => {
    await expectCommittedBuild(SOURCE_DIR);
  });

  test('opening the kernels writes nothing over the shared dataset (static data once overwrote row 2)', () => {
    const shared = shareWithMlpKernels(gaussian({ train: 32, validation: 10, test: 10 }), 2, 64);
    expectOpeningLeavesDataset(shared, (slot) => new MlpKernels(shared, slot));
  });

  test('the three products of the hidden layer give the plain sums, for a block of four rows and the rest', () => {
    const data = gaussian({ train: 3, validation: 10, test: 10 });
    const k = new MlpKernels(shareWithMlpKernels(data, 1, 64), 0);
    const d = k.featureCount;
    const H = k.hidden;
    // Small integers, so every float32 sum below is exact whatever the order.
    for (let h = 0; h < H; h++) {
      k.bias[h] = h % 3;
      for (let j = 0; j < d; j++) k.w[h * k.stride + j] = ((h + 2 * j) % 5) - 2;
    }
    const train = k.split('train');
    const x = (i: number, j: number) => k.f32[(k.u32[train.rows / 4 + i] as number) / 4 + j] as number;
    for (let i = 0; i < 6; i++)
      for (let j = 0; j < d; j++) k.f32[(k.u32[train.rows / 4 + i] as number) / 4 + j] = (i + j) % 4;
    const n = 6;
    k.hiddenForward(train.rows, n);
    for (let i = 0; i < n; i++)
      for (let h = 0; h < H; h++) {
        let sum = h % 3;
        for (let j = 0; j < d; j++) sum += x(i, j) * (((h + 2 * j) % 5) - 2);
        expect(k.z[i * H + h]).toBe(sum);
      }
    for (let i = 0; i < n * H; i++) k.dz[i] = ((i * 7) % 3) - 1;
    k.inputGradient(n);
    k.gw.fill(1);
    k.weightGradient(train.rows, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < d; j++) {
        let sum = 0;
        for (let h = 0; h < H; h++) sum += (k.dz[i * H + h] as number) * (k.w[h * k.stride + j] as number);
        expect(k.grads[i * k.stride + j]).toBe(sum);
      }
    for (let h = 0; h < H; h++)
      for (let j = 0; j < d; j++) {
        let sum = 1;
        for (let i = 0; i < n; i++) sum += (k.dz[i * H + h] as number) * x(i, j);
        expect(k.gw[h * k.stride + j]).toBe(sum);
      }
  });
});
