import type { Split } from '../../../src/datasets/types.js';
import { Random } from '../../../src/random.js';
import { initLinear, type LinearWeights } from '../../../src/train/init.js';
import { MLP_HIDDEN } from '../../../src/train/protocol.js';
import type { Ball } from '../../../src/train/robustness/evaluation.js';
import { WorstCase } from '../../../src/train/robustness/exact-linear.js';
import { type MlpWeights, mlpClassifier } from '../../../src/train/robustness/mlp-classifier.js';

/** A linear model in init.ts's layout from its class-0 and class-1 weights and biases. */
export function linearWeights(
  w0: readonly number[],
  w1: readonly number[],
  bias: [number, number],
): LinearWeights {
  const weight = new Float32Array(w0.length * 2);
  w0.forEach((w, j) => {
    weight[j * 2] = w;
    weight[j * 2 + 1] = w1[j] as number;
  });
  return { weight, bias: Float32Array.from(bias), featureCount: w0.length, classCount: 2 };
}

/**
 * A linear model that separates the protocol's gaussian classes (+mu majority, -mu minority, mu's first 25
 * coordinates 1) about as a trained one does: v = w1 - w0 points towards -mu, with noise, from random w0.
 */
export function gaussianSeparator(d: number, seed: number, scale = 0.2): LinearWeights {
  const random = Random.fromSeed(seed);
  const w0 = Array.from({ length: d }, () => random.uniform() - 0.5);
  const w1 = w0.map((w, j) => w + scale * ((j < 25 ? -1 : 0) + 0.3 * random.normal()));
  return linearWeights(w0, w1, [0, 0.1]);
}

/** gaussianSeparator for the pixels fixture (gaussian data squashed to 0.5 + x / 8): the boundary moved to x = 0.5. */
export function pixelSeparator(d: number, seed: number): LinearWeights {
  const weights = gaussianSeparator(d, seed);
  const offset = scores(weights, split([new Array<number>(d).fill(0.5)], [0]))[0] as number;
  return {
    ...weights,
    bias: Float32Array.of(weights.bias[0] as number, (weights.bias[1] as number) - offset),
  };
}

export function split(rows: readonly (readonly number[])[], labels: readonly number[]): Split {
  return { x: Float32Array.from(rows.flat()), y: Uint8Array.from(labels), count: labels.length };
}

/** u = v . x + c of every sample, in float64. */
export function scores(weights: LinearWeights, data: Split): number[] {
  const d = weights.featureCount;
  const w = weights.weight;
  return Array.from({ length: data.count }, (_, i) => {
    let u = (weights.bias[1] as number) - (weights.bias[0] as number);
    for (let j = 0; j < d; j++) {
      u += ((w[j * 2 + 1] as number) - (w[j * 2] as number)) * (data.x[i * d + j] as number);
    }
    return u;
  });
}

/** Every sample's score u at its exact worst case in the ball (exact-linear.ts's WorstCase), in float64. */
export function worstScores(weights: LinearWeights, data: Split, ball: Ball): number[] {
  const d = weights.featureCount;
  const v = Array.from(
    { length: d },
    (_, j) => (weights.weight[j * 2 + 1] as number) - (weights.weight[j * 2] as number),
  );
  const minusV = v.map((vj) => -vj);
  const worstCase = new WorstCase(d);
  const delta = new Float64Array(d);
  return scores(weights, data).map((u, i) => {
    const x = data.x.subarray(i * d, (i + 1) * d);
    const y = data.y[i] as number;
    const shift = worstCase.perturbation(y === 1 ? minusV : v, x, ball, delta);
    return y === 1 ? u - shift : u + shift;
  });
}

/** A fixed MLP (PyTorch's initialisation from adgap's generator) and samples of both classes it mostly gets right. */
export function mlpFixture(d: number, n: number, pixels: boolean): { weights: MlpWeights; data: Split } {
  const random = Random.fromSeed(d);
  const weights = { hidden: initLinear(d, MLP_HIDDEN, random), output: initLinear(MLP_HIDDEN, 2, random) };
  const x = Float32Array.from({ length: n * d }, () => {
    if (!pixels) return random.normal();
    // Pixel-like: some coordinates exactly on a face of the box.
    const u = random.uniform();
    return u < 0.2 ? 0 : u > 0.9 ? 1 : random.uniform();
  });
  // Class 1's output bias moved so that the model predicts each class for half the samples.
  const margins = () => {
    const logits = new Float32Array(n * 2);
    mlpClassifier(weights).logitsAndGradients(x, new Uint8Array(n), logits, new Float32Array(n * d));
    return Array.from({ length: n }, (_, i) => (logits[i * 2 + 1] as number) - (logits[i * 2] as number));
  };
  // Halfway between two samples' margins, so that none lies on the boundary, where float32 rounding decides.
  const sorted = margins().sort((a, b) => a - b);
  const median = ((sorted[n >> 1] as number) + (sorted[(n >> 1) - 1] as number)) / 2;
  weights.output.bias[1] = (weights.output.bias[1] as number) - median;
  // Labels: the model's own predictions, one in ten flipped so that some samples start misclassified.
  const y = Uint8Array.from(margins(), (u) => {
    const predicted = u > 0 ? 1 : 0;
    return random.uniform() < 0.1 ? 1 - predicted : predicted;
  });
  return { weights, data: { x, y, count: n } };
}
