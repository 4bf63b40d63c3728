import type { LinearWeights } from '../init.js';
import { type BinaryClassifier, crossEntropySlope } from './classifier.js';

/** The MLP's two layers in init.ts's layout (the tfjs model's and mlp-cpu's mlpParameters order). */
export interface MlpWeights {
  /** Linear(d, hidden): weight[j * hidden + h]. */
  hidden: LinearWeights;
  /** Linear(hidden, 2): weight[h * 2 + k]. */
  output: LinearWeights;
}

/**
 * The MLP of protocol.md, Linear(d, hidden), ReLU, Linear(hidden, 2), in plain TypeScript: the forward pass and
 * the input gradient of the cross-entropy by hand. Every layer's output is rounded to float32 as the engines
 * store it; the sums behind each output are float64 (mlp-cpu sums the hidden layer in float32 lanes, PyTorch in
 * float32 blocks: all three agree to float32 rounding). ReLU's derivative at 0 is 0, as PyTorch's and tfjs's.
 * Written for clarity over speed; a binding to mlp-cpu's kernels replaces it where speed matters.
 */
export function mlpClassifier(weights: MlpWeights): BinaryClassifier {
  const d = weights.hidden.featureCount;
  const H = weights.hidden.classCount;
  // The hidden weight transposed, one contiguous row of d per unit, so both passes read it in order.
  const w1 = new Float32Array(H * d);
  for (let j = 0; j < d; j++) {
    for (let h = 0; h < H; h++) w1[h * d + j] = weights.hidden.weight[j * H + h] as number;
  }
  const b1 = weights.hidden.bias;
  const w2 = weights.output.weight;
  const [c0, c1] = weights.output.bias as unknown as [number, number];
  const hidden = new Float32Array(H);
  const upstream = new Float32Array(H);
  const sums = new Float64Array(d);
  return {
    featureCount: d,
    logitsAndGradients(inputs, labels, logits, gradients) {
      for (let i = 0; i < labels.length; i++) {
        const row = i * d;
        for (let h = 0; h < H; h++) {
          const unit = h * d;
          let sum = b1[h] as number;
          for (let j = 0; j < d; j++) sum += (inputs[row + j] as number) * (w1[unit + j] as number);
          hidden[h] = sum;
        }
        let z0 = c0;
        let z1 = c1;
        for (let h = 0; h < H; h++) {
          const a = Math.max(hidden[h] as number, 0);
          z0 += a * (w2[h * 2] as number);
          z1 += a * (w2[h * 2 + 1] as number);
        }
        const f0 = Math.fround(z0);
        const f1 = Math.fround(z1);
        logits[i * 2] = f0;
        logits[i * 2 + 1] = f1;
        // dL/dz = (-r, r); through the output layer and ReLU to the hidden pre-activations, then to the input.
        const r = crossEntropySlope(f1 - f0, labels[i] as number);
        for (let h = 0; h < H; h++) {
          upstream[h] =
            (hidden[h] as number) > 0 ? r * ((w2[h * 2 + 1] as number) - (w2[h * 2] as number)) : 0;
        }
        sums.fill(0);
        for (let h = 0; h < H; h++) {
          const g = upstream[h] as number;
          if (g === 0) continue;
          const unit = h * d;
          for (let j = 0; j < d; j++) sums[j] = (sums[j] as number) + g * (w1[unit + j] as number);
        }
        gradients.set(sums, row);
      }
    },
  };
}
