import { ValidationError } from '../errors.js';
import { Random } from '../random.js';
import type { ClassPool } from './splits.js';
import type { ImageGroup, SplitSizes } from './types.js';

export interface LabelledImages {
  labels: Uint8Array;
  /** `labels.length` images, each flattened row-major. */
  images: Uint8Array;
}

/** An image dataset as published: its official training and test sets, each image flattened row-major. */
export interface ImageSet {
  featureShape: number[];
  train: LabelledImages;
  test: LabelledImages;
}

/** The two classes of each image group in its original labels: [majority (adgap label 0), minority (1)]. */
export const IMAGE_CLASSES: Record<ImageGroup, { labels: [number, number]; names: [string, string] }> = {
  mnist: { labels: [1, 7], names: ['digit 1', 'digit 7'] },
  fmnist: { labels: [0, 1], names: ['T-shirt/top', 'Trouser'] },
  cifar10: { labels: [3, 5], names: ['cat', 'dog'] },
};

/**
 * Each class's pool: train and validation samples from the official training set, test samples from the
 * official test set (CIFAR-10 has exactly 1000 test images per class, protocol.md), each a seeded random
 * selection in a seeded random order, so the data seed alone fixes which images land in which split.
 */
export function imagePools(
  group: ImageGroup,
  set: ImageSet,
  sizes: SplitSizes,
  dataSeed: number,
): [ClassPool<Uint8Array>, ClassPool<Uint8Array>] {
  const d = set.featureShape.reduce((a, b) => a * b, 1);
  const { labels, names } = IMAGE_CLASSES[group];
  const pool = (cls: 0 | 1): ClassPool<Uint8Array> => {
    const label = labels[cls];
    const trainIndices = indicesOf(set.train.labels, label);
    const testIndices = indicesOf(set.test.labels, label);
    const trainNeeded = sizes.train + sizes.validation;
    if (trainIndices.length < trainNeeded) {
      throw new ValidationError(
        'sizes',
        `${group} has ${trainIndices.length} training images of ${names[cls]}, train + validation = ${trainNeeded} asks for more`,
      );
    }
    if (testIndices.length < sizes.test) {
      throw new ValidationError(
        'sizes.test',
        `${group} has ${testIndices.length} test images of ${names[cls]}, ${sizes.test} asks for more`,
      );
    }
    const x = new Uint8Array((trainNeeded + sizes.test) * d);
    const pick = (from: LabelledImages, indices: number[], count: number, at: number, stream: number) => {
      const order = Random.stream(dataSeed, stream).permutation(indices.length);
      for (let i = 0; i < count; i++) {
        const source = indices[order[i] as number] as number;
        x.set(from.images.subarray(source * d, (source + 1) * d), (at + i) * d);
      }
    };
    pick(set.train, trainIndices, trainNeeded, 0, 2 * cls);
    pick(set.test, testIndices, sizes.test, trainNeeded, 2 * cls + 1);
    return { x, featureCount: d };
  };
  return [pool(0), pool(1)];
}

function indicesOf(labels: Uint8Array, label: number): number[] {
  const out: number[] = [];
  labels.forEach((l, i) => {
    if (l === label) out.push(i);
  });
  return out;
}
