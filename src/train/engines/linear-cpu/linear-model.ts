import type { SplitName } from '../../../datasets/types.js';
import { Random, TrainingStream } from '../../../random.js';
import type { LinearWeights } from '../../init.js';
import { type AttackSpec, trainingAttack } from '../../modes.js';
import { ADAM, ADVERTORCH_SMALL_NORM, SGD_MOMENTUM } from '../../protocol.js';
import type { SplitMetrics } from '../../result.js';
import type { RunSpec } from '../../run-spec.js';
import { randomStartRows } from '../wasm-worker/random-start.js';
import { forChunks, Tally } from '../wasm-worker/split-metrics.js';
import type { LinearKernels } from './kernels.js';

/**
 * The linear model of one run: the per-sample loops run in the wasm kernels (kernels.as.ts), the per-step
 * bookkeeping here (why not tfjs: see engine.ts).
 *
 * Data, adversarial rows and the sums over features and over a batch are float32, as in tfjs and PyTorch;
 * weights and optimiser state are float64, and the kernels read them rounded to float32.
 *
 * Two logits only (protocol.md: every task is binary), so the model's output is the logit difference
 * u = x . v + c with v = w1 - w0, c = b1 - b0, and the gradient of the cross-entropy with respect to class 1's
 * parameters is (1/B) sum_i r_i [x_i, 1] with r_i = sigmoid(u_i) - y_i; class 0's is exactly its negative.
 * Adam, SGD and momentum are odd in the gradient, so class 0's update is the negative of class 1's: one
 * optimiser state of d + 1 entries serves both rows, with the same numbers as updating both.
 */
export interface LinearModel {
  run: RunSpec;
  featureCount: number;
  /** Class 0 and class 1 parameters: [w_0 .. w_{d-1}, bias]. */
  p0: Float64Array;
  p1: Float64Array;
  /** Adam's first and second moments of class 1's gradient (class 0's are -m and s); momentum's velocity in m. */
  m: Float64Array;
  s: Float64Array;
  steps: number;
  /** The run's attack stream: PGD's random starts (attacks.ts draws them the same way). */
  attackRandom: Random;
  /** What the kernels read of the current parameters, refreshed after every step. */
  weights: KernelWeights;
}

/**
 * A model's weights as the kernels read them: v = p1 - p0 rounded to float32, the bias difference c, and the
 * attack's direction up to each sample's sign (sign(v) for linf, v / ||v|| for l2, zero for standard training)
 * with direction . v. Kept per model, so a step copies them into its worker's slot instead of recomputing them.
 */
export interface KernelWeights {
  v: Float32Array;
  c: number;
  direction: Float32Array;
  dirDotV: number;
}

const emptyKernelWeights = (d: number): KernelWeights => ({
  v: new Float32Array(d),
  c: 0,
  direction: new Float32Array(d),
  dirDotV: 0,
});

/**
 * Fills `out` from the parameters. The direction is taken from the float64 weights: its sign must be exact,
 * and dL/dx_i = (softmax(z_i) - onehot(y_i)) W^T = r_i v with sign(r_i) = 1 - 2 y_i exactly (sigmoid is in
 * (0,1)), so up to that sign every sample's input gradient points along v: no backward pass is needed. Where
 * float32 softmax saturates, tfjs's autodiff gets r_i = 0 (no step) or only the wrong class's term; this exact
 * form always steps, which is the math the attack defines.
 */
export function kernelWeights(
  p0: Float64Array,
  p1: Float64Array,
  norm: AttackSpec['norm'] | undefined,
  out: KernelWeights,
): KernelWeights {
  const { v, direction } = out;
  const d = v.length;
  out.c = (p1[d] as number) - (p0[d] as number);
  if (norm === 'linf') {
    let dirDotV = 0;
    for (let j = 0; j < d; j++) {
      const vj = (p1[j] as number) - (p0[j] as number);
      v[j] = vj;
      // Comparisons, not branches: the signs of the weights are a coin toss, which a branch mispredicts.
      const sign = Number(vj > 0) - Number(vj < 0);
      direction[j] = sign;
      dirDotV += sign * vj;
    }
    out.dirDotV = dirDotV;
    return out;
  }
  let squared = 0;
  for (let j = 0; j < d; j++) {
    const vj = (p1[j] as number) - (p0[j] as number);
    v[j] = vj;
    squared += vj * vj;
  }
  if (norm === 'l2') {
    const length = Math.sqrt(squared);
    // A zero weight vector has a zero input gradient: no step, as attacks.ts does.
    const scale = length > 0 ? 1 / length : 0;
    for (let j = 0; j < d; j++) direction[j] = ((p1[j] as number) - (p0[j] as number)) * scale;
    out.dirDotV = length;
  }
  return out;
}

const attackNorm = (run: RunSpec) => trainingAttack(run.mode)?.norm;

export function createLinearModel(run: RunSpec, init: LinearWeights): LinearModel {
  const d = init.featureCount;
  const p0 = new Float64Array(d + 1);
  const p1 = new Float64Array(d + 1);
  for (let j = 0; j < d; j++) {
    p0[j] = init.weight[j * 2] as number;
    p1[j] = init.weight[j * 2 + 1] as number;
  }
  p0[d] = init.bias[0] as number;
  p1[d] = init.bias[1] as number;
  const weights = kernelWeights(p0, p1, attackNorm(run), emptyKernelWeights(d));
  return {
    run,
    featureCount: d,
    p0,
    p1,
    m: new Float64Array(d + 1),
    s: new Float64Array(d + 1),
    steps: 0,
    attackRandom: Random.stream(run.seed, TrainingStream.attack),
    weights,
  };
}

/** The model's weights in init.ts's layout (feature-major [d][2], then bias), rounded to float32. */
export function linearWeights(model: Pick<LinearModel, 'p0' | 'p1' | 'featureCount'>): LinearWeights {
  const d = model.featureCount;
  const weight = new Float32Array(d * 2);
  for (let j = 0; j < d; j++) {
    weight[j * 2] = model.p0[j] as number;
    weight[j * 2 + 1] = model.p1[j] as number;
  }
  return {
    weight,
    bias: Float32Array.of(model.p0[d] as number, model.p1[d] as number),
    featureCount: d,
    classCount: 2,
  };
}

/** One worker's buffers for every model it trains, beside the kernels' own. */
export interface Workspace {
  kernels: LinearKernels;
  /** What the kernels read of the weights being evaluated. */
  weights: KernelWeights;
  /** Class 1's gradient of a step, bias last. */
  gradient: Float64Array;
  /** A PGD random start's row before it is scaled. */
  row: Float64Array;
  /** Labels of the rows the kernels currently hold (a batch or an evaluation chunk). */
  labels: Uint8Array;
}

export function createWorkspace(kernels: LinearKernels): Workspace {
  const d = kernels.featureCount;
  return {
    kernels,
    weights: emptyKernelWeights(d),
    gradient: new Float64Array(d + 1),
    row: new Float64Array(d),
    labels: new Uint8Array(kernels.rowCapacity),
  };
}

/**
 * One optimiser step of `model` on the batch `indices` of the training split, with the run's training mode,
 * attack (attacks.ts's semantics) and objective. Pixel data keep adversarial inputs in [0,1] (protocol.md).
 */
export function trainStep(model: LinearModel, ws: Workspace, indices: Uint32Array): void {
  const k = ws.kernels;
  const n = indices.length;
  const train = k.split('train');
  k.selectBatch(train, indices);
  const { labels } = ws;
  for (let i = 0; i < n; i++) labels[i] = k.u8[train.y + (indices[i] as number)] as number;
  const { c, dirDotV } = useWeights(k, model.weights);
  k.gradient.fill(0);
  const spec = trainingAttack(model.run.mode);
  let biasGradient = 0;
  // The unclipped one-step attack's share of the gradient along the direction (see below).
  let directionScale = 0;

  if (!spec) {
    biasGradient = gradientAt(ws, k.batchRows, n, c);
  } else if (model.run.fidelity === 'reference') {
    biasGradient = referenceAttack(model, ws, n, c, spec);
  } else {
    // The reference objective (run-spec.ts) adds the parameter gradient of every point the attack takes an input
    // gradient at: the clean batch for a one-step attack, each iterate before its step for PGD.
    const leak = model.run.objective === 'reference';
    if (spec.method.name === 'one-step' && !k.clipToUnitBox) {
      // Unclipped, x_adv = x + eps s_i direction, so u_adv = u + eps s_i (direction . v) and
      // sum_i r_i x_adv_i = sum_i r_i x_i + eps direction sum_i r_i s_i: the adversarial batch is never built,
      // and the clean rows' residuals (the reference's leak) are summed in the same pass.
      k.dotRows(k.batchRows, n);
      const shift = spec.eps * dirDotV;
      let signedSum = 0;
      const { dots, weights } = k;
      for (let i = 0; i < n; i++) {
        const y = labels[i] as number;
        const u = (dots[i] as number) + c;
        const sign = 1 - 2 * y;
        const adversarial = sigmoid(u + shift * sign) - y;
        const residual = leak ? adversarial + sigmoid(u) - y : adversarial;
        weights[i] = residual / n;
        biasGradient += residual / n;
        signedSum += sign * adversarial;
      }
      k.accumulateRows(k.batchRows, n);
      directionScale = (spec.eps * signedSum) / n;
    } else if (spec.method.name === 'one-step') {
      // Clipping makes each sample's step depend on its own pixels: the adversarial rows are built, and their
      // logits taken in the same pass (the mnist-shaped bench's hot loop).
      if (leak) biasGradient += gradientAt(ws, k.batchRows, n, c);
      setSteps(ws, n, spec.eps);
      k.stepRows(k.batchRows, n);
      biasGradient += residualWeights(ws, n, c);
      k.accumulateRows(k.workRows, n);
    } else {
      randomStart(ws, k.batchRows, n, spec, model.attackRandom);
      setSteps(ws, n, spec.method.stepSize);
      for (let step = 0; step < spec.method.steps; step++) {
        if (leak) biasGradient += gradientAt(ws, k.workRows, n, c);
        k.pgdStep(k.batchRows, n, spec.norm, spec.eps);
      }
      biasGradient += gradientAt(ws, k.workRows, n, c);
    }
  }
  // The weights' gradient as the kernels summed it, plus the unclipped attack's share along the direction the
  // step used; the bias's as summed here.
  const { gradient } = ws;
  const { direction } = model.weights;
  const d = model.featureCount;
  for (let j = 0; j < d; j++)
    gradient[j] = (k.gradient[j] as number) + directionScale * (direction[j] as number);
  gradient[d] = biasGradient;
  optimizerStep(model, gradient);
  kernelWeights(model.p0, model.p1, attackNorm(model.run), model.weights);
}

/**
 * PyTorch's float32 gradient of the batch-mean cross-entropy in the logits (z0, z1) of one sample, as autograd
 * computes it through log-softmax (tf.ts's referenceCrossEntropy does the same in tfjs): log p = z - max -
 * log(sum exp(z - max)), then dz_k = dy_k - p_k sum(dy) with dy = -onehot / n. Every operation rounds to float32,
 * so once p_y is within 2^-24 of 1, dz_y is 0 and only the other class's term remains.
 */
export function autogradLogitGradient(u: number, y: number, n: number): [number, number] {
  const f = Math.fround;
  const uf = f(u);
  // z - max: the larger logit's is 0, the other's -|u| (u = z1 - z0).
  const s0 = Math.min(-uf, 0);
  const s1 = Math.min(uf, 0);
  const logSum = f(Math.log(f(f(Math.exp(s0)) + f(Math.exp(s1)))));
  const p0 = f(Math.exp(f(s0 - logSum)));
  const p1 = f(Math.exp(f(s1 - logSum)));
  const dy = f(-1 / n);
  return [f((y === 0 ? dy : 0) - f(p0 * dy)), f((y === 1 ? dy : 0) - f(p1 * dy))];
}

/**
 * Reference fidelity's attacks (docs/protocol-notes.md, Fidelity), as advertorch computes them on PyTorch's
 * float32 autograd gradient g_j = dz0 w0_j + dz1 w1_j of the batch-mean loss (autogradLogitGradient): linf steps
 * along sign(g), l2 along g / max(||g||_2, 1e-6). Unsaturated, g = r_i v / n up to rounding, so linf's sign is
 * s_i sign(v_j); where float32 saturates it is w1's or w0's alone, or 0 (no step), and l2's step shrinks once
 * ||g|| < 1e-6. The per-sample directions differ from the kernels' shared one, so the adversarial rows are built
 * here, into the kernels' work rows, in attacks.ts's order of operations; the reference objective's leaked terms
 * are added as in trainStep. Returns the bias's gradient; the weights' is in the kernels'.
 */
function referenceAttack(model: LinearModel, ws: Workspace, n: number, c: number, spec: AttackSpec): number {
  const k = ws.kernels;
  const { labels, row: direction } = ws;
  const { f32, work, dots } = k;
  const d = model.featureCount;
  const f = Math.fround;
  const w0 = Float32Array.from(model.p0.subarray(0, d));
  const w1 = Float32Array.from(model.p1.subarray(0, d));
  const leak = model.run.objective === 'reference';
  const clip = k.clipToUnitBox;
  const eps = f(spec.eps);
  let biasGradient = 0;
  /** The direction of sample i at the dot products the kernels hold, into `direction`. */
  const directionAt = (i: number) => {
    const [dz0, dz1] = autogradLogitGradient((dots[i] as number) + c, labels[i] as number, n);
    let squared = 0;
    for (let j = 0; j < d; j++) {
      const g = f(dz0 * (w0[j] as number) + dz1 * (w1[j] as number));
      direction[j] = spec.norm === 'linf' ? Number(g > 0) - Number(g < 0) : g;
      squared += g * g;
    }
    if (spec.norm === 'l2') {
      const length = f(Math.max(f(Math.sqrt(squared)), f(ADVERTORCH_SMALL_NORM)));
      for (let j = 0; j < d; j++) direction[j] = f((direction[j] as number) / length);
    }
  };
  const origin = (i: number) => (k.u32[k.batchRows / 4 + i] as number) / 4;
  const box = (value: number) => (clip ? Math.min(Math.max(value, 0), 1) : value);
  if (spec.method.name === 'one-step') {
    if (leak) biasGradient += gradientAt(ws, k.batchRows, n, c);
    else k.dotRows(k.batchRows, n);
    for (let i = 0; i < n; i++) {
      directionAt(i);
      const x = origin(i);
      const out = i * k.stride;
      for (let j = 0; j < d; j++)
        work[out + j] = box(f((f32[x + j] as number) + f(eps * (direction[j] as number))));
    }
    return biasGradient + gradientAt(ws, k.workRows, n, c);
  }
  randomStart(ws, k.batchRows, n, spec, model.attackRandom);
  const stepSize = f(spec.method.stepSize);
  for (let step = 0; step < spec.method.steps; step++) {
    if (leak) biasGradient += gradientAt(ws, k.workRows, n, c);
    else k.dotRows(k.workRows, n);
    for (let i = 0; i < n; i++) {
      directionAt(i);
      const x = origin(i);
      const out = i * k.stride;
      if (spec.norm === 'linf') {
        for (let j = 0; j < d; j++) {
          const xj = f32[x + j] as number;
          const moved = f((work[out + j] as number) + f(stepSize * (direction[j] as number)));
          work[out + j] = box(f(xj + Math.min(Math.max(f(moved - xj), -eps), eps)));
        }
        continue;
      }
      // l2: into the box, then the offset from x scaled down onto the ball (attacks.ts's projectL2).
      let squared = 0;
      for (let j = 0; j < d; j++) {
        const moved = box(f((work[out + j] as number) + f(stepSize * (direction[j] as number))));
        const delta = f(moved - (f32[x + j] as number));
        work[out + j] = delta;
        squared += delta * delta;
      }
      const scale = f(Math.min(1, f(eps / Math.max(f(Math.sqrt(squared)), 1e-30))));
      for (let j = 0; j < d; j++)
        work[out + j] = f((f32[x + j] as number) + f((work[out + j] as number) * scale));
    }
  }
  return biasGradient + gradientAt(ws, k.workRows, n, c);
}

/** Copies `weights` into the kernels' slot; returns what the loops here need of them. */
function useWeights(k: LinearKernels, weights: KernelWeights): KernelWeights {
  k.v.set(weights.v);
  k.direction.set(weights.direction);
  return weights;
}

/** Signed step sizes of the held rows: size s_i with s_i = 1 - 2 y_i, the input gradient's sign. */
function setSteps(ws: Workspace, n: number, size: number): void {
  const { labels } = ws;
  const { steps } = ws.kernels;
  for (let i = 0; i < n; i++) steps[i] = labels[i] === 0 ? size : -size;
}

const sigmoid = (u: number) => 1 / (1 + Math.exp(-u));

/**
 * From the dot products the kernels hold: the gradient weights r_i / n with r_i = sigmoid(u_i) - y_i, the
 * derivative of the mean batch loss (softplus(-(1 - 2 y_i) u_i) averaged) in u_i. Returns sum_i r_i / n.
 */
function residualWeights(ws: Workspace, n: number, c: number): number {
  const { labels } = ws;
  const { dots, weights } = ws.kernels;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const residual = (sigmoid((dots[i] as number) + c) - (labels[i] as number)) / n;
    weights[i] = residual;
    sum += residual;
  }
  return sum;
}

/** Adds class 1's gradient of the mean loss at the rows `rows` into the kernels' gradient; returns the bias's. */
function gradientAt(ws: Workspace, rows: number, n: number, c: number): number {
  ws.kernels.dotRows(rows, n);
  const bias = residualWeights(ws, n, c);
  ws.kernels.accumulateRows(rows, n);
  return bias;
}

/** PGD's random start of the rows `origins` into the kernels' work rows (random-start.ts). */
function randomStart(ws: Workspace, origins: number, n: number, spec: AttackSpec, random: Random): void {
  const k = ws.kernels;
  randomStartRows(k, origins, n, spec, random, ws.row, k.work);
}

/**
 * The update rules of optimizers.ts (PyTorch's semantics) on class 1's parameters, given class 1's gradient;
 * class 0's update is its negative (see LinearModel). Momentum keeps its velocity in `m`: v = mu v + g,
 * starting from zero. One loop per rule: a rule chosen inside the loop made it ~3x slower in V8.
 */
function optimizerStep(model: LinearModel, gradient: Float64Array): void {
  const { p0, p1, m, s } = model;
  const lr = model.run.learningRate;
  model.steps += 1;
  if (model.run.optimizer === 'adam') {
    const { beta1, beta2, epsilon } = ADAM;
    // torch.optim.Adam's arrangement: the bias corrections folded into a step size and a denominator scale.
    const stepSize = lr / (1 - beta1 ** model.steps);
    const denominatorScale = 1 / Math.sqrt(1 - beta2 ** model.steps);
    for (let j = 0; j < gradient.length; j++) {
      const g = gradient[j] as number;
      const mj = beta1 * (m[j] as number) + (1 - beta1) * g;
      const sj = beta2 * (s[j] as number) + (1 - beta2) * g * g;
      m[j] = mj;
      s[j] = sj;
      const update = (stepSize * mj) / (Math.sqrt(sj) * denominatorScale + epsilon);
      p1[j] = (p1[j] as number) - update;
      p0[j] = (p0[j] as number) + update;
    }
  } else if (model.run.optimizer === 'sgd-momentum') {
    for (let j = 0; j < gradient.length; j++) {
      const velocity = SGD_MOMENTUM * (m[j] as number) + (gradient[j] as number);
      m[j] = velocity;
      p1[j] = (p1[j] as number) - lr * velocity;
      p0[j] = (p0[j] as number) + lr * velocity;
    }
  } else {
    for (let j = 0; j < gradient.length; j++) {
      p1[j] = (p1[j] as number) - lr * (gradient[j] as number);
      p0[j] = (p0[j] as number) + lr * (gradient[j] as number);
    }
  }
}

/**
 * Mean clean cross-entropy and per-class correct counts on a split; with `lossBatchSize`, the loss is the mean of
 * per-batch means (the reference's validation loss, validation-loss.ts).
 */
export function evaluateLinear(
  p0: Float64Array,
  p1: Float64Array,
  ws: Workspace,
  split: SplitName,
  lossBatchSize?: number,
): SplitMetrics {
  const { c } = useWeights(ws.kernels, kernelWeights(p0, p1, undefined, ws.weights));
  const tally = new Tally(lossBatchSize);
  forChunks(ws, split, (origins, n) => {
    ws.kernels.dotRows(origins, n);
    tally.add(ws.labels, ws.kernels.dots, c, n);
  });
  return tally.metrics();
}

/**
 * The metrics of a split under `spec`, with attacks.ts's semantics as in evaluate.ts's evaluateRobust: every
 * sample attacked against the model (PGD's random start from `random`, drawn row by row), then the loss and
 * per-class correct counts of the attacked samples.
 */
export function evaluateRobustLinear(
  p0: Float64Array,
  p1: Float64Array,
  ws: Workspace,
  split: SplitName,
  spec: AttackSpec,
  random: Random,
): SplitMetrics {
  const k = ws.kernels;
  const { c } = useWeights(k, kernelWeights(p0, p1, spec.norm, ws.weights));
  const tally = new Tally();
  forChunks(ws, split, (origins, n) => {
    if (spec.method.name === 'one-step') {
      setSteps(ws, n, spec.eps);
      k.stepRows(origins, n);
    } else {
      randomStart(ws, origins, n, spec, random);
      setSteps(ws, n, spec.method.stepSize);
      for (let step = 0; step < spec.method.steps; step++) k.pgdStep(origins, n, spec.norm, spec.eps);
      k.dotRows(k.workRows, n);
    }
    tally.add(ws.labels, ws.kernels.dots, c, n);
  });
  return tally.metrics();
}
