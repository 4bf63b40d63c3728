import { describe, expect, test } from 'vitest';
import type { LoadedDataset, Split } from '../../../../src/datasets/types.js';
import { LinearKernels, shareWithLinearKernels } from '../../../../src/train/engines/linear-cpu/kernels.js';
import { expectCommittedBuild, expectOpeningLeavesDataset } from '../fixtures/wasm-kernels.js';

const SOURCE_DIR = new URL('../../../../src/train/engines/linear-cpu/', import.meta.url);

/** 5 features (so rows are padded to 8), the given training rows, two tiny other splits. */
function dataset(rows: number[][], pixelRange: boolean): LoadedDataset {
  const split = (r: number[][]): Split => ({
    x: Float32Array.from(r.flat()),
    y: Uint8Array.from(r, (_, i) => i % 2),
    count: r.length,
  });
  const other = split([[1, 1, 1, 1, 1]]);
  return {
    ref: { group: 'gaussian', R: 1, dataSeed: 0, sizes: { train: 1, validation: 1, test: 1 } },
    featureShape: [5],
    pixelRange,
    splits: { train: split(rows), validation: other, testImbalanced: other, testBalanced: other },
  };
}

function kernelsOf(rows: number[][], pixelRange = false): LinearKernels {
  return new LinearKernels(shareWithLinearKernels(dataset(rows, pixelRange), 1, 64), 0);
}

/** Row i of the work rows, without its padding. */
const workRow = (k: LinearKernels, i: number) => Array.from(k.work.subarray(i * k.stride, i * k.stride + 5));

describe('the linear-cpu kernels', () => {
  test('the committed kernels.wasm is what kernels.as.ts compiles to', async () => {
    await expectCommittedBuild(SOURCE_DIR);
  });

  test('opening the kernels writes nothing over the shared dataset (a module with static data would)', () => {
    const shared = shareWithLinearKernels(dataset([[1, 2, 3, 4, 5]], false), 2, 64);
    expectOpeningLeavesDataset(shared, (slot) => new LinearKernels(shared, slot));
  });

  test('rows are padded to 8 floats with zeros, and a split lists every row address and label', () => {
    const k = kernelsOf([
      [1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10],
    ]);
    expect(k.stride).toBe(8);
    const train = k.split('train');
    const second = (k.u32[train.rows / 4 + 1] as number) / 4;
    expect(Array.from(k.f32.subarray(second, second + 8))).toEqual([6, 7, 8, 9, 10, 0, 0, 0]);
    expect(Array.from(k.u8.subarray(train.y, train.y + 2))).toEqual([0, 1]);
  });

  test('dotRows and accumulateRows give the hand-computed sums, four rows at a time and the rest', () => {
    const rows = [
      [1, 2, 3, 4, 5],
      [0.5, 0, 0, 0, -1],
      [0, 1, 0, 1, 0],
      [2, 0, 0, 0, 0],
      [0, 0, 0, 0, 3],
    ];
    const k = kernelsOf(rows);
    k.selectBatch(k.split('train'), Uint32Array.of(0, 1, 2, 3, 4));
    k.v.set([1, 0, -1, 0, 2]);
    k.dotRows(k.batchRows, 5);
    expect(Array.from(k.dots.subarray(0, 5))).toEqual([8, -1.5, 0, 2, 6]);
    k.weights.set([2, -1, 1, 0.5, -2]);
    k.gradient.fill(0);
    k.accumulateRows(k.batchRows, 5);
    // 2 r0 - r1 + r2 + 0.5 r3 - 2 r4, and the padding untouched.
    expect(Array.from(k.gradient)).toEqual([2.5, 5, 6, 9, 5, 0, 0, 0]);
  });

  test('stepRows moves each row along the direction by its own step, boxed to [0,1] for pixel data only', () => {
    const row = [0.125, 0.5, 0.9375, 0, 1];
    for (const [pixels, expected] of [
      [true, [0.25, 0.375, 1, 0, 1]],
      [false, [0.25, 0.375, 1.0625, -0.125, 1]],
    ] as const) {
      const k = kernelsOf([row, row], pixels);
      k.selectBatch(k.split('train'), Uint32Array.of(0, 1));
      k.direction.set([1, -1, 1, -1, 0]);
      k.steps.set([0.125, -0.125]);
      k.v.set([1, 1, 1, 1, 1]);
      k.stepRows(k.batchRows, 2);
      expect(workRow(k, 0)).toEqual(expected);
      expect(k.dots[0]).toBe(expected.reduce((a: number, b) => a + b, 0));
      // The second row steps the other way.
      expect(workRow(k, 1)[0]).toBe(0);
    }
  });

  test('a linf PGD step clamps the moved point to the eps-ball around the clean row, then to the box', () => {
    const k = kernelsOf([[0.5, 0.5, 0.5, 0.0625, 0.5]], true);
    const train = k.split('train');
    k.work.set([0.5625, 0.4375, 0.5, 0.0625, 0.5]);
    k.direction.set([1, -1, 1, -1, 0]);
    k.steps.set([0.125]);
    k.pgdStep(train.rows, 1, 'linf', 0.125);
    // Moved by 0.125: the first two leave the ball (clamped to x +- eps), the third lands on it, the fourth
    // stays in the ball but leaves the box.
    expect(workRow(k, 0)).toEqual([0.625, 0.375, 0.625, 0, 0.5]);
  });

  test('an l2 PGD step scales a point outside the eps-ball back onto its sphere and leaves one inside alone', () => {
    const k = kernelsOf([[0, 0, 0, 0, 0]]);
    const train = k.split('train');
    k.direction.set([0.6, 0.8, 0, 0, 0]);
    for (const [step, expected] of [
      [5, [1.2, 1.6]],
      [1, [0.6, 0.8]],
    ] as const) {
      k.work.fill(0);
      k.steps.set([step]);
      k.pgdStep(train.rows, 1, 'l2', 2);
      expect(workRow(k, 0)[0]).toBeCloseTo(expected[0], 6);
      expect(workRow(k, 0)[1]).toBeCloseTo(expected[1], 6);
    }
  });

  test('a dataset the 32-bit kernels cannot address is refused with its size, before anything is copied', () => {
    const huge = { x: new Float32Array(0), y: new Uint8Array(0), count: 2_000_000 };
    const data = dataset([[0, 0, 0, 0, 0]], false);
    expect(() =>
      shareWithLinearKernels(
        { ...data, featureShape: [1000], splits: { ...data.splits, train: huge } },
        2,
        64,
      ),
    ).toThrow(/need \d+ bytes, more than the 4 GiB the kernels address/);
  });
});
