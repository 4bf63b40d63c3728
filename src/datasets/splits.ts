import type { SplitName, SplitSizes } from './types.js';

/** Features as stored: pixels as uint8 0-255, synthetic features as float32. */
export type FeatureArray = Float32Array | Uint8Array;

export interface StoredSplit<X extends FeatureArray = FeatureArray> {
  x: X;
  y: Uint8Array;
  count: number;
}

/** Per-class sample counts of every split for imbalance R (protocol.md). */
export function splitCounts(sizes: SplitSizes, R: number): Record<SplitName, [number, number]> {
  const minority = (n: number) => Math.floor(n / R);
  return {
    train: [sizes.train, minority(sizes.train)],
    validation: [sizes.validation, minority(sizes.validation)],
    testImbalanced: [sizes.test, minority(sizes.test)],
    testBalanced: [sizes.test, sizes.test],
  };
}

/**
 * A class's samples, drawn once in a fixed order: `train` samples, then `validation`, then `test`.
 * The minority class of ratio R takes the first floor(n/R) of each section, so the data of every R are nested
 * subsets of one pool and the balanced test set is the same for every R.
 */
export interface ClassPool<X extends FeatureArray = FeatureArray> {
  x: X;
  featureCount: number;
}

export function poolSize(sizes: SplitSizes): number {
  return sizes.train + sizes.validation + sizes.test;
}

/** Builds the four splits from the two class pools. Samples are stored majority first, then minority. */
export function assembleSplits<X extends FeatureArray>(
  pools: [ClassPool<X>, ClassPool<X>],
  sizes: SplitSizes,
  R: number,
): Record<SplitName, StoredSplit<X>> {
  const counts = splitCounts(sizes, R);
  const offsets = { train: 0, validation: sizes.train, test: sizes.train + sizes.validation };
  // Both pools share one typed-array type; its constructor makes the output of that same type.
  const ArrayOf = pools[0].x.constructor as new (length: number) => X;
  const take = (name: SplitName, section: keyof typeof offsets): StoredSplit<X> => {
    const [n0, n1] = counts[name];
    const d = pools[0].featureCount;
    const x = new ArrayOf((n0 + n1) * d);
    const y = new Uint8Array(n0 + n1);
    const start = offsets[section] * d;
    x.set(pools[0].x.subarray(start, start + n0 * d), 0);
    x.set(pools[1].x.subarray(start, start + n1 * d), n0 * d);
    y.fill(1, n0);
    return { x, y, count: n0 + n1 };
  };
  return {
    train: take('train', 'train'),
    validation: take('validation', 'validation'),
    testImbalanced: take('testImbalanced', 'test'),
    testBalanced: take('testBalanced', 'test'),
  };
}
