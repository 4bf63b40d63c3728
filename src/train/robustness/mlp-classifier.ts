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
 * Plain loops, four hidden units at a time (four independent sums, one read of the row for four units: about
 * 3x faster in V8 than one at a time); a binding to mlp-cpu's kernels replaces it where speed matters.
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
        forward(inputs, row, w1, b1, d, hidden);
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
        backward(upstream, w1, d, sums);
        gradients.set(sums, row);
      }
    },
  };
}

/** The hidden pre-activations of the row at `row`, rounded to float32, into `hidden`. */
function forward(
  inputs: Float32Array,
  row: number,
  w1: Float32Array,
  b1: Float32Array,
  d: number,
  hidden: Float32Array,
): void {
  const H = hidden.length;
  let h = 0;
  for (; h + 4 <= H; h += 4) {
    const u0 = h * d;
    const u1 = u0 + d;
    const u2 = u1 + d;
    const u3 = u2 + d;
    let s0 = b1[h] as number;
    let s1 = b1[h + 1] as number;
    let s2 = b1[h + 2] as number;
    let s3 = b1[h + 3] as number;
    for (let j = 0; j < d; j++) {
      const x = inputs[row + j] as number;
      s0 += x * (w1[u0 + j] as number);
      s1 += x * (w1[u1 + j] as number);
      s2 += x * (w1[u2 + j] as number);
      s3 += x * (w1[u3 + j] as number);
    }
    hidden[h] = s0;
    hidden[h + 1] = s1;
    hidden[h + 2] = s2;
    hidden[h + 3] = s3;
  }
  for (; h < H; h++) {
    const unit = h * d;
    let sum = b1[h] as number;
    for (let j = 0; j < d; j++) sum += (inputs[row + j] as number) * (w1[unit + j] as number);
    hidden[h] = sum;
  }
}

/** sum_h upstream_h w1[h] into `sums` (d float64s): the input gradient, from the active units only. */
function backward(upstream: Float32Array, w1: Float32Array, d: number, sums: Float64Array): void {
  sums.fill(0);
  const active: number[] = [];
  upstream.forEach((g, h) => {
    if (g !== 0) active.push(h);
  });
  let k = 0;
  for (; k + 4 <= active.length; k += 4) {
    const [h0, h1, h2, h3] = active.slice(k, k + 4) as [number, number, number, number];
    const g0 = upstream[h0] as number;
    const g1 = upstream[h1] as number;
    const g2 = upstream[h2] as number;
    const g3 = upstream[h3] as number;
    const u0 = h0 * d;
    const u1 = h1 * d;
    const u2 = h2 * d;
    const u3 = h3 * d;
    for (let j = 0; j < d; j++) {
      sums[j] =
        (sums[j] as number) +
        g0 * (w1[u0 + j] as number) +
        g1 * (w1[u1 + j] as number) +
        g2 * (w1[u2 + j] as number) +
        g3 * (w1[u3 + j] as number);
    }
  }
  for (; k < active.length; k++) {
    const h = active[k] as number;
    const g = upstream[h] as number;
    const unit = h * d;
    for (let j = 0; j < d; j++) sums[j] = (sums[j] as number) + g * (w1[unit + j] as number);
  }
}
