import type { Random } from '../random.js';

/**
 * PyTorch's default initialisation of nn.Linear and nn.Conv2d, which the reference relies on:
 * kaiming_uniform_(a = sqrt(5)) for the weight, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound
 * for the bias. Values are drawn in PyTorch's parameter order ([out][in][kh][kw], then bias) and only then
 * laid out as tfjs wants them, so every engine that calls these with the run's init stream, layer by layer in
 * the model's order, starts from the same weights.
 */

/** Weights of a linear layer, feature-major: weight[i * classes + k] multiplies feature i for output k. */
export interface LinearWeights {
  weight: Float32Array;
  bias: Float32Array;
  featureCount: number;
  classCount: number;
}

const draw = (random: Random, bound: number) => (2 * random.uniform() - 1) * bound;

export function initLinear(featureCount: number, classCount: number, random: Random): LinearWeights {
  const bound = 1 / Math.sqrt(featureCount);
  const weight = new Float32Array(featureCount * classCount);
  for (let k = 0; k < classCount; k++) {
    for (let i = 0; i < featureCount; i++) weight[i * classCount + k] = draw(random, bound);
  }
  const bias = new Float32Array(classCount);
  for (let k = 0; k < classCount; k++) bias[k] = draw(random, bound);
  return { weight, bias, featureCount, classCount };
}

/** A 3x3 convolution, weight in tfjs's filter layout [kh][kw][in][out]. */
export interface ConvWeights {
  weight: Float32Array;
  bias: Float32Array;
  inChannels: number;
  outChannels: number;
}

export const KERNEL = 3;

export function initConv3x3(inChannels: number, outChannels: number, random: Random): ConvWeights {
  const bound = 1 / Math.sqrt(inChannels * KERNEL * KERNEL);
  const weight = new Float32Array(KERNEL * KERNEL * inChannels * outChannels);
  for (let o = 0; o < outChannels; o++) {
    for (let i = 0; i < inChannels; i++) {
      for (let h = 0; h < KERNEL; h++) {
        for (let w = 0; w < KERNEL; w++) {
          weight[((h * KERNEL + w) * inChannels + i) * outChannels + o] = draw(random, bound);
        }
      }
    }
  }
  const bias = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) bias[o] = draw(random, bound);
  return { weight, bias, inChannels, outChannels };
}
