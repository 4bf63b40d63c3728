import { describe, expect, it } from 'vitest';
import {
  assembleSplits,
  type ClassPool,
  poolSize,
  type StoredSplit,
  splitCounts,
} from '../../src/datasets/splits.js';
import { SPLIT_NAMES, type SplitSizes } from '../../src/datasets/types.js';

const SIZES: SplitSizes = { train: 400, validation: 100, test: 100 };
const RATIOS = [1, 2, 5, 10, 20, 100];

/** Pools whose single feature is a sample id: class c, position i -> c * 100000 + i. */
function idPools(): [ClassPool<Float32Array>, ClassPool<Float32Array>] {
  const pool = (c: number) => ({
    x: Float32Array.from({ length: poolSize(SIZES) }, (_, i) => c * 100_000 + i),
    featureCount: 1,
  });
  return [pool(0), pool(1)];
}

const ids = (split: StoredSplit) => [...split.x];
const classCounts = (split: StoredSplit) => [0, 1].map((c) => split.y.filter((y) => y === c).length);

describe('assembleSplits', () => {
  for (const R of RATIOS) {
    it(`R = ${R}: every split has the protocol's per-class counts and labels match the pool`, () => {
      const splits = assembleSplits(idPools(), SIZES, R);
      const minority = (n: number) => Math.floor(n / R);
      expect(classCounts(splits.train)).toEqual([400, minority(400)]);
      expect(classCounts(splits.validation)).toEqual([100, minority(100)]);
      expect(classCounts(splits.testImbalanced)).toEqual([100, minority(100)]);
      expect(classCounts(splits.testBalanced)).toEqual([100, 100]);
      for (const name of SPLIT_NAMES) {
        const split = splits[name];
        expect(split.count).toBe(split.y.length);
        for (const [i, y] of split.y.entries()) expect(Math.floor((split.x[i] as number) / 100_000)).toBe(y);
        expect(splitCounts(SIZES, R)[name]).toEqual(classCounts(split));
      }
    });

    it(`R = ${R}: no sample is in two splits and the imbalanced test set is inside the balanced one`, () => {
      const splits = assembleSplits(idPools(), SIZES, R);
      const train = ids(splits.train);
      const validation = ids(splits.validation);
      const balanced = new Set(ids(splits.testBalanced));
      const all = [...train, ...validation, ...balanced];
      expect(new Set(all).size).toBe(all.length);
      for (const id of ids(splits.testImbalanced)) expect(balanced.has(id)).toBe(true);
    });
  }

  it('the data of a larger R are subsets of those of a smaller R, and the balanced test set is the same', () => {
    const at = (R: number) => assembleSplits(idPools(), SIZES, R);
    for (const [small, large] of [
      [1, 2],
      [2, 5],
      [5, 10],
    ] as const) {
      for (const name of SPLIT_NAMES) {
        const bigger = new Set(ids(at(small)[name]));
        for (const id of ids(at(large)[name])) expect(bigger.has(id)).toBe(true);
      }
    }
    expect(ids(at(1).testBalanced)).toEqual(ids(at(10).testBalanced));
  });

  it('keeps uint8 pools as uint8', () => {
    const pool = (c: number) => ({ x: new Uint8Array(poolSize(SIZES) * 2).fill(c), featureCount: 2 });
    const splits = assembleSplits([pool(3), pool(5)], SIZES, 2);
    expect(splits.train.x).toBeInstanceOf(Uint8Array);
    expect(splits.train.x.length).toBe((400 + 200) * 2);
    expect(splits.train.x[0]).toBe(3);
    expect(splits.train.x.at(-1)).toBe(5);
  });
});
