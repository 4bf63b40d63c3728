import { featureCount } from '../../../datasets/types.js';
import { ValidationError } from '../../../errors.js';
import type { Random } from '../../../random.js';
import { initConv3x3, initLinear, KERNEL } from '../../init.js';
import { BATCH_NORM, MLP_HIDDEN, VGG11_INPUT_SHAPE } from '../../protocol.js';
import type { ModelName } from '../../run-spec.js';
import { tf } from '../tfjs-shared/tf.js';

/**
 * The models of protocol.md, built from raw variables and ops rather than tf.layers: that keeps the PyTorch
 * initialisation and its draw order in our hands, lets batch norm switch between batch and running statistics
 * per call (attacks run in eval mode while the update runs in train mode), and gives tf.grads plain variables
 * to differentiate.
 */

/**
 * `train`: batch norm normalises with the batch's statistics and updates its running statistics (PyTorch's
 * model.train()). `eval`: batch norm uses the running statistics and changes nothing (model.eval()). Models
 * without batch norm compute the same in both.
 */
export type ForwardMode = 'train' | 'eval';

export interface Model {
  readonly name: ModelName;
  /** Trainable parameters, in PyTorch's parameters() order. */
  readonly parameters: readonly tf.Variable[];
  /** Batch-norm running means and variances: part of the state, never trained. */
  readonly buffers: readonly tf.Variable[];
  /** Logits [n, 2] of flat inputs [n, d] (images are flat in C, H, W order, as the datasets store them). */
  logits(x: tf.Tensor2D, mode: ForwardMode): tf.Tensor2D;
}

/** VGG11's feature plan: channels of each 3x3 conv (+ batch norm + ReLU), 'M' a 2x2 max pool. */
export const VGG11_PLAN = [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'] as const;
const CLASSES = 2;

/**
 * Builds a model with PyTorch's initialisation drawn from `random` (the run's init stream), layer by layer in
 * construction order: linear (weight, bias); MLP fc1 then fc2; VGG11 each conv then the classifier (batch
 * norm's weight 1 and bias 0 take no draws).
 */
export function createModel(name: ModelName, featureShape: readonly number[], random: Random): Model {
  const d = featureCount(featureShape);
  if (name === 'linear') {
    const layer = linearLayer(d, CLASSES, random);
    return { name, parameters: layer.parameters, buffers: [], logits: (x) => layer.apply(x) };
  }
  if (name === 'mlp') {
    const hidden = linearLayer(d, MLP_HIDDEN, random);
    const out = linearLayer(MLP_HIDDEN, CLASSES, random);
    return {
      name,
      parameters: [...hidden.parameters, ...out.parameters],
      buffers: [],
      logits: (x) => out.apply(tf.relu(hidden.apply(x))),
    };
  }
  if (featureShape.length !== 3 || VGG11_INPUT_SHAPE.some((n, i) => featureShape[i] !== n)) {
    throw new ValidationError(
      'model',
      `vgg11 needs 3x32x32 images (cifar10); this dataset's samples have shape [${featureShape.join(', ')}]`,
    );
  }
  return vgg11(random);
}

interface Layer<In extends tf.Tensor> {
  parameters: tf.Variable[];
  apply(x: In): tf.Tensor2D;
}

function linearLayer(inFeatures: number, outFeatures: number, random: Random): Layer<tf.Tensor2D> {
  const init = initLinear(inFeatures, outFeatures, random);
  const weight = tf.variable(tf.tensor2d(init.weight, [inFeatures, outFeatures]));
  const bias = tf.variable(tf.tensor1d(init.bias));
  return { parameters: [weight, bias], apply: (x) => tf.add(tf.matMul(x, weight), bias) };
}

function vgg11(random: Random): Model {
  const parameters: tf.Variable[] = [];
  const buffers: tf.Variable[] = [];
  const stages: ((x: tf.Tensor4D, mode: ForwardMode) => tf.Tensor4D)[] = [];
  let channels: number = VGG11_INPUT_SHAPE[0];
  for (const item of VGG11_PLAN) {
    if (item === 'M') {
      stages.push((x) => tf.maxPool(x, 2, 2, 'valid'));
      continue;
    }
    const conv = initConv3x3(channels, item, random);
    const weight = tf.variable(tf.tensor2d(conv.weight, [KERNEL * KERNEL * channels, item]));
    const bias = tf.variable(tf.tensor1d(conv.bias));
    const gamma = tf.variable(tf.ones([item]));
    const beta = tf.variable(tf.zeros([item]));
    const runningMean = tf.variable(tf.zeros([item]), false);
    const runningVariance = tf.variable(tf.ones([item]), false);
    parameters.push(weight, bias, gamma, beta);
    buffers.push(runningMean, runningVariance);
    stages.push((x, mode) => {
      const z = tf.add(conv3x3(x, weight), bias) as tf.Tensor4D;
      const normalised =
        mode === 'train'
          ? batchNormTrain(z, runningMean, runningVariance)
          : tf.div(tf.sub(z, runningMean), tf.sqrt(tf.add(runningVariance, BATCH_NORM.epsilon)));
      return tf.relu(tf.add(tf.mul(normalised, gamma), beta)) as tf.Tensor4D;
    });
    channels = item;
  }
  const classifier = linearLayer(channels, CLASSES, random);
  parameters.push(...classifier.parameters);
  return {
    name: 'vgg11',
    parameters,
    buffers,
    logits(x, mode) {
      // tfjs's CPU and WASM convolutions are channels-last: C, H, W -> H, W, C.
      let h = tf.transpose(tf.reshape(x, [x.shape[0], ...VGG11_INPUT_SHAPE]), [0, 2, 3, 1]) as tf.Tensor4D;
      for (const stage of stages) h = stage(h, mode);
      // Five 2x2 pools take 32x32 to 1x1, so flattening leaves the 512 channels (PyTorch's view(n, -1)).
      return classifier.apply(tf.reshape(h, [x.shape[0], channels]));
    },
  };
}

/**
 * A 3x3 convolution with stride 1 and padding 1 (PyTorch's Conv2d(kernel_size=3, padding=1)) as one matrix
 * product: the nine shifted copies of the zero-padded input, concatenated along channels in the filter's
 * (kh, kw, in) order, times the [9 * in, out] weight. tfjs's wasm backend has no Conv2DBackpropFilter kernel,
 * so tf.conv2d could not be trained there; pad, slice, concat and matMul differentiate on every backend.
 */
function conv3x3(x: tf.Tensor4D, weight: tf.Tensor2D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const padded = tf.pad(x, [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ]);
  const shifted: tf.Tensor4D[] = [];
  for (let dh = 0; dh < KERNEL; dh++) {
    for (let dw = 0; dw < KERNEL; dw++) shifted.push(tf.slice(padded, [0, dh, dw, 0], [n, h, w, c]));
  }
  const patches = tf.reshape(tf.concat(shifted, 3), [n * h * w, KERNEL * KERNEL * c]);
  return tf.reshape(tf.matMul(patches, weight), [n, h, w, weight.shape[1]]);
}

/**
 * Batch norm in train mode: normalise with the batch's mean and biased variance, and move the running
 * statistics towards the batch's mean and unbiased variance (PyTorch's BatchNorm2d, momentum 0.1).
 */
function batchNormTrain(z: tf.Tensor4D, runningMean: tf.Variable, runningVariance: tf.Variable): tf.Tensor4D {
  const { mean, variance } = tf.moments(z, [0, 1, 2]);
  const [n, h, w] = z.shape;
  const count = n * h * w;
  const m = BATCH_NORM.momentum;
  runningMean.assign(tf.add(tf.mul(runningMean, 1 - m), tf.mul(mean, m)));
  runningVariance.assign(tf.add(tf.mul(runningVariance, 1 - m), tf.mul(variance, (m * count) / (count - 1))));
  return tf.div(tf.sub(z, mean), tf.sqrt(tf.add(variance, BATCH_NORM.epsilon))) as tf.Tensor4D;
}

/** A copy of every parameter and buffer, for restoring the best-validation weights. */
export function modelState(model: Model): Float32Array[] {
  return [...model.parameters, ...model.buffers].map((v) => Float32Array.from(v.dataSync()));
}

export function restoreModelState(model: Model, state: readonly Float32Array[]): void {
  [...model.parameters, ...model.buffers].forEach((v, i) => {
    tf.tidy(() => v.assign(tf.tensor(state[i] as Float32Array, v.shape)));
  });
}

export function disposeModel(model: Model): void {
  tf.dispose([...model.parameters, ...model.buffers]);
}

export const parameterCount = (model: Model): number => model.parameters.reduce((sum, v) => sum + v.size, 0);
