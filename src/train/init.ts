import type { Random } from '../random.js';

/** Weights of a linear model, feature-major: weight[i * classes + k] multiplies feature i for logit k. */
export interface LinearWeights {
  weight: Float32Array;
  bias: Float32Array;
  featureCount: number;
  classCount: number;
}

/**
 * PyTorch's default nn.Linear initialisation (as in the reference code): weight and bias uniform in
 * (-1/sqrt(fan_in), 1/sqrt(fan_in)). Drawn in PyTorch's [out][in] order, then bias, so every engine that
 * calls this with the run's init stream starts from the same weights.
 */
export function initLinear(featureCount: number, classCount: number, random: Random): LinearWeights {
  const bound = 1 / Math.sqrt(featureCount);
  const weight = new Float32Array(featureCount * classCount);
  for (let k = 0; k < classCount; k++) {
    for (let i = 0; i < featureCount; i++) weight[i * classCount + k] = (2 * random.uniform() - 1) * bound;
  }
  const bias = new Float32Array(classCount);
  for (let k = 0; k < classCount; k++) bias[k] = (2 * random.uniform() - 1) * bound;
  return { weight, bias, featureCount, classCount };
}
