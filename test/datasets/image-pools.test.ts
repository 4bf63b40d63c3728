import { describe, expect, it } from 'vitest';
import { type ImageSet, imagePools } from '../../src/datasets/image-pools.js';

/**
 * A fake image set with 2-pixel images: pixel 0 = the image's label, pixel 1 = its index within its set,
 * plus 100 for the test set, so every picked image can be traced back.
 */
function fakeSet(trainLabels: number[], testLabels: number[]): ImageSet {
  const images = (labels: number[], offset: number) =>
    Uint8Array.from(labels.flatMap((label, i) => [label, offset + i]));
  return {
    featureShape: [2],
    train: { labels: Uint8Array.from(trainLabels), images: images(trainLabels, 0) },
    test: { labels: Uint8Array.from(testLabels), images: images(testLabels, 100) },
  };
}

const SET = fakeSet(
  Array.from({ length: 80 }, (_, i) => i % 8),
  Array.from({ length: 80 }, (_, i) => i % 8),
);
const SIZES = { train: 6, validation: 2, test: 5 };

function picked(x: Uint8Array): Array<[number, number]> {
  return Array.from({ length: x.length / 2 }, (_, i) => [x[2 * i] as number, x[2 * i + 1] as number]);
}

describe('imagePools', () => {
  it('takes only the majority and minority classes, train and validation from the training set, test from the test set', () => {
    const [majority, minority] = imagePools('cifar10', SET, SIZES, 0);
    for (const [pool, label] of [
      [majority, 3],
      [minority, 5],
    ] as const) {
      const images = picked(pool.x);
      expect(images.length).toBe(13);
      for (const [l] of images) expect(l).toBe(label);
      for (const [, index] of images.slice(0, 8)) expect(index).toBeLessThan(100);
      for (const [, index] of images.slice(8)) expect(index).toBeGreaterThanOrEqual(100);
      expect(new Set(images.map(([, index]) => index)).size).toBe(13);
    }
  });

  it('depends on the data seed and on nothing else', () => {
    const a = imagePools('mnist', SET, SIZES, 1);
    expect(imagePools('mnist', SET, SIZES, 1)).toEqual(a);
    expect(imagePools('mnist', SET, SIZES, 2)[0].x).not.toEqual(a[0].x);
  });

  it('says how many images a class has when the sizes ask for more', () => {
    expect(() => imagePools('fmnist', SET, { train: 9, validation: 2, test: 5 }, 0)).toThrow(
      /fmnist has 10 training images of T-shirt\/top, train \+ validation = 11 asks for more/,
    );
    expect(() => imagePools('fmnist', SET, { ...SIZES, test: 11 }, 0)).toThrow(
      /sizes\.test: fmnist has 10 test images/,
    );
  });
});
