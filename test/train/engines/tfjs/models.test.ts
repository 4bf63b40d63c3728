import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../../../src/random.js';
import { createModel, type Model, parameterCount } from '../../../../src/train/engines/tfjs/models.js';
import { crossEntropy, tf, useFastestBackend } from '../../../../src/train/engines/tfjs-shared/tf.js';

beforeAll(async () => {
  await useFastestBackend();
});

describe('VGG11 with batch norm', () => {
  let model: Model;
  beforeAll(() => {
    model = createModel('vgg11', [3, 32, 32], Random.fromSeed(1));
  });
  const images = () => tf.randomUniform([2, 3 * 32 * 32], 0, 1, 'float32', 3) as tf.Tensor2D;

  it('has the parameter count of its plan with a 2-class head', () => {
    // Each 3x3 conv: in*out*9 weights + out biases; its batch norm: out weights + out biases.
    const convs: [number, number][] = [
      [3, 64],
      [64, 128],
      [128, 256],
      [256, 256],
      [256, 512],
      [512, 512],
      [512, 512],
      [512, 512],
    ];
    const features = convs.reduce((sum, [i, o]) => sum + i * o * 9 + o + 2 * o, 0);
    const classifier = 512 * 2 + 2;
    expect(features + classifier).toBe(9_227_010);
    expect(parameterCount(model)).toBe(features + classifier);
  });

  it('runs a forward and backward pass on 2 images', () => {
    const y = tf.tensor1d([0, 1], 'int32');
    const { value, grads } = tf.variableGrads(
      () => crossEntropy(model.logits(images(), 'train'), y),
      [...model.parameters],
    );
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    const classifierWeight = model.parameters.at(-2) as tf.Variable;
    const g = grads[classifierWeight.name] as tf.Tensor;
    expect(g.shape).toEqual([512, 2]);
    expect(tf.sum(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([value, y, ...Object.values(grads)]);
  });

  it('updates running statistics in train mode only (momentum 0.1, unbiased variance)', () => {
    const fresh = createModel('vgg11', [3, 32, 32], Random.fromSeed(2));
    const [runningMean, runningVariance] = fresh.buffers as [tf.Variable, tf.Variable];
    const x = images();
    tf.tidy(() => fresh.logits(x, 'eval'));
    expect(Array.from(runningMean.dataSync()).every((v) => v === 0)).toBe(true);
    const firstConv = tf.tidy(() => {
      const [w, b] = fresh.parameters as [tf.Variable, tf.Variable];
      // The reference convolution: tf.conv2d with the filter in tfjs's [kh][kw][in][out] layout.
      const nhwc = tf.transpose(tf.reshape(x, [2, 3, 32, 32]), [0, 2, 3, 1]) as tf.Tensor4D;
      const z = tf.add(tf.conv2d(nhwc, tf.reshape(w, [3, 3, 3, 64]) as tf.Tensor4D, 1, 'same'), b);
      const { mean, variance } = tf.moments(z, [0, 1, 2]);
      const count = 2 * 32 * 32;
      return { mean: mean.dataSync(), variance: tf.mul(variance, count / (count - 1)).dataSync() };
    });
    tf.tidy(() => fresh.logits(x, 'train'));
    expect(runningMean.dataSync()[5]).toBeCloseTo(0.1 * (firstConv.mean[5] as number), 6);
    expect(runningVariance.dataSync()[5]).toBeCloseTo(0.9 + 0.1 * (firstConv.variance[5] as number), 6);
  });
});

describe('initialisation', () => {
  it('is PyTorch-style uniform in ±1/sqrt(fan_in) and the same for the same stream', () => {
    const a = createModel('mlp', [50], Random.fromSeed(4));
    const b = createModel('mlp', [50], Random.fromSeed(4));
    const [w1, , w2] = a.parameters as tf.Variable[];
    expect(Math.max(...Array.from((w1 as tf.Variable).dataSync()).map(Math.abs))).toBeLessThanOrEqual(
      (1 + 1e-6) / Math.sqrt(50),
    );
    expect(Math.max(...Array.from((w2 as tf.Variable).dataSync()).map(Math.abs))).toBeLessThanOrEqual(
      (1 + 1e-6) / Math.sqrt(200),
    );
    expect(Math.max(...Array.from((w1 as tf.Variable).dataSync()).map(Math.abs))).toBeGreaterThan(
      0.9 / Math.sqrt(50),
    );
    a.parameters.forEach((p, i) => {
      expect(Array.from(p.dataSync())).toEqual(Array.from((b.parameters[i] as tf.Variable).dataSync()));
    });
  });
});
