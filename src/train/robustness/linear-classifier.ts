import type { LinearWeights } from '../init.js';
import { type BinaryClassifier, crossEntropySlope } from './classifier.js';

/**
 * The linear model's score difference u = v . x + c, v = w1 - w0 and c = b1 - b0, from weights in init.ts's
 * layout (weight[j * 2 + k] multiplies feature j for class k), in float64: the difference of two float32
 * numbers is exact there.
 */
export interface ScoreDifference {
  v: Float64Array;
  c: number;
}

export function scoreDifference(weights: LinearWeights): ScoreDifference {
  const d = weights.featureCount;
  const v = new Float64Array(d);
  for (let j = 0; j < d; j++)
    v[j] = (weights.weight[j * 2 + 1] as number) - (weights.weight[j * 2] as number);
  return { v, c: (weights.bias[1] as number) - (weights.bias[0] as number) };
}

/**
 * The linear model (protocol.md: d -> 2 logits) in closed form: logits z_k = x . w_k + b_k summed in float64 and
 * rounded to float32, and the input gradient of the cross-entropy r v with r = crossEntropySlope(z1 - z0, y),
 * the same direction for every row up to its scale, as linear-cpu's kernels use it.
 */
export function linearClassifier(weights: LinearWeights): BinaryClassifier {
  const d = weights.featureCount;
  const w = weights.weight;
  const [b0, b1] = weights.bias as unknown as [number, number];
  const { v } = scoreDifference(weights);
  return {
    featureCount: d,
    logitsAndGradients(inputs, labels, logits, gradients) {
      for (let i = 0; i < labels.length; i++) {
        const row = i * d;
        let z0 = b0;
        let z1 = b1;
        for (let j = 0; j < d; j++) {
          const x = inputs[row + j] as number;
          z0 += x * (w[j * 2] as number);
          z1 += x * (w[j * 2 + 1] as number);
        }
        const f0 = Math.fround(z0);
        const f1 = Math.fround(z1);
        logits[i * 2] = f0;
        logits[i * 2 + 1] = f1;
        const r = crossEntropySlope(f1 - f0, labels[i] as number);
        for (let j = 0; j < d; j++) gradients[row + j] = r * (v[j] as number);
      }
    },
  };
}
