/**
 * A binary classifier as the robustness evaluations see it (apgd.ts, and a fast engine binding later): a batch
 * of inputs in, each row's two logits and the gradient of its cross-entropy with respect to its input out.
 * Batch-shaped so that an implementation can run the batch through matrix kernels.
 */
export interface BinaryClassifier {
  readonly featureCount: number;
  /**
   * For the n = labels.length rows of `inputs` (row-major, featureCount floats each): each row's logits
   * (z0, z1) into `logits` ([n][2]) and the gradient of crossEntropy(z1 - z0, label) with respect to that row
   * into `gradients` ([n][featureCount]), both float32 as the engines compute them.
   */
  logitsAndGradients(
    inputs: Float32Array,
    labels: Uint8Array,
    logits: Float32Array,
    gradients: Float32Array,
  ): void;
}

/**
 * Cross-entropy of two logits with label y, from their difference u = z1 - z0: softplus(-u) for y = 1,
 * softplus(u) for y = 0, in float64. PyTorch's float32 log-softmax rounds it to exactly 0 once the margin
 * exceeds ~16.6, which would leave an attack no increase to see; here it stays exp(-margin).
 */
export function crossEntropy(u: number, y: number): number {
  const t = y === 1 ? -u : u;
  return t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t));
}

/**
 * The derivative of crossEntropy(u, y) in z1, sigmoid(u) - y, without cancellation (the derivative in z0 is its
 * negative): for y = 1 it is -sigmoid(-u), not sigmoid(u) - 1, which rounds to 0 for confident samples. This is
 * adgap's exact cross-entropy gradient (crossEntropySum in the tfjs engine, the residual of linear-cpu), so an
 * attack steps along the true input gradient even where the softmax saturates.
 */
export function crossEntropySlope(u: number, y: number): number {
  return y === 1 ? -1 / (1 + Math.exp(u)) : 1 / (1 + Math.exp(-u));
}

/** Whether a row with logit difference u = z1 - z0 is classified as its label: argmax, a tie going to class 0. */
export function classifiedAs(u: number, y: number): boolean {
  return (u > 0 ? 1 : 0) === y;
}
