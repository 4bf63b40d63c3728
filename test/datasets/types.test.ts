import { describe, expect, it } from 'vitest';
import { featureShapeOf } from '../../src/datasets/types.js';
import { vgg11Takes } from '../../src/train/protocol.js';

describe('featureShapeOf', () => {
  it('gives the synthetic dimension, 784 flat features for MNIST-like images and 3x32x32 for CIFAR-10', () => {
    expect(featureShapeOf({ group: 'gaussian' })).toEqual([100]);
    expect(
      featureShapeOf({
        group: 'cauchy',
        synthetic: { dim: 20, meanNonZero: 5, meanValue: 1, noiseScale: 2 },
      }),
    ).toEqual([20]);
    expect(featureShapeOf({ group: 'mnist' })).toEqual([784]);
    expect(featureShapeOf({ group: 'fmnist' })).toEqual([784]);
    expect(featureShapeOf({ group: 'cifar10' })).toEqual([3, 32, 32]);
  });

  it('gives VGG11 only the CIFAR-10 images', () => {
    expect(vgg11Takes('cifar10')).toBe(true);
    for (const group of ['mnist', 'fmnist', 'gaussian', 'cauchy', 'holtsmark'] as const)
      expect(vgg11Takes(group)).toBe(false);
  });
});
