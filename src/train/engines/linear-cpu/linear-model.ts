import type { Split } from '../../../datasets/types.js';
import { Random, TrainingStream } from '../../../random.js';
import { type EarlyStoppingState, initialEarlyStopping } from '../../early-stopping.js';
import type { LinearWeights } from '../../init.js';
import { ADAM, SGD_MOMENTUM } from '../../protocol.js';
import type { SplitMetrics } from '../../result.js';
import { type AttackSpec, type RunSpec, trainingAttack } from '../../run-spec.js';

/**
 * The linear model of one run in plain loops (why loops and not tfjs: see engine.ts).
 *
 * Data stay float32 as stored (and adversarial inputs that must be materialised are rounded to float32, as
 * tfjs does); weights, optimiser state and every sum are float64.
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
  best: { p0: Float64Array; p1: Float64Array };
  stopping: EarlyStoppingState;
  epochsRun: number;
  finished: boolean;
}

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
  return {
    run,
    featureCount: d,
    p0,
    p1,
    m: new Float64Array(d + 1),
    s: new Float64Array(d + 1),
    steps: 0,
    attackRandom: Random.stream(run.seed, TrainingStream.attack),
    best: { p0: p0.slice(), p1: p1.slice() },
    stopping: initialEarlyStopping,
    epochsRun: 0,
    finished: false,
  };
}

/** The model's weights in init.ts's layout (feature-major [d][2], then bias), rounded to float32. */
export function linearWeights(model: LinearModel): LinearWeights {
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

/** Per-worker buffers reused by every step, so a step allocates nothing. */
export interface Scratch {
  /** v = p1 - p0, then the attack direction. */
  v: Float64Array;
  direction: Float64Array;
  gradient: Float64Array;
  /** Row offsets of the batch's inputs in the training split, and of adversarial rows in `adversarial`. */
  offsets: Uint32Array;
  rowOffsets: Uint32Array;
  residual: Float64Array;
  /** PGD's iterates, batch x d, in float64. */
  current: Float64Array;
  /** Materialised adversarial rows (float32, as tfjs holds them), batch x d. */
  adversarial: Float32Array;
}

export function createScratch(featureCount: number, batchSize: number): Scratch {
  return {
    v: new Float64Array(featureCount + 1),
    direction: new Float64Array(featureCount),
    gradient: new Float64Array(featureCount + 1),
    offsets: new Uint32Array(batchSize),
    rowOffsets: new Uint32Array(batchSize),
    residual: new Float64Array(batchSize),
    current: new Float64Array(batchSize * featureCount),
    adversarial: new Float32Array(batchSize * featureCount),
  };
}

/**
 * One optimiser step of `model` on the batch `indices` of the training split, with the run's training mode,
 * attack (attacks.ts's semantics) and objective. `clipToUnitBox`: pixel data keep adversarial inputs in [0,1]
 * (protocol.md).
 */
export function trainStep(
  model: LinearModel,
  train: Split,
  indices: Uint32Array,
  clipToUnitBox: boolean,
  scratch: Scratch,
): void {
  const d = model.featureCount;
  const n = indices.length;
  const { v, gradient, offsets, residual } = scratch;
  for (let j = 0; j <= d; j++) v[j] = (model.p1[j] as number) - (model.p0[j] as number);
  for (let i = 0; i < n; i++) offsets[i] = (indices[i] as number) * d;
  gradient.fill(0);
  const spec = trainingAttack(model.run.mode);

  if (!spec) {
    residuals(train.x, offsets, n, v, d, train.y, indices, 0, residual);
    accumulateGradient(train.x, offsets, n, residual, d, gradient);
    optimizerStep(model, gradient);
    return;
  }
  // dL/dx_i = (softmax(z_i) - onehot(y_i)) W^T = r_i v, and sign(r_i) = 1 - 2 y_i exactly (sigmoid is in
  // (0,1)), so the attack's direction is the same for every sample up to that sign: no backward pass needed.
  // Where float32 softmax saturates, tfjs's autodiff gets r_i = 0 (no step) or only the wrong class's term;
  // this exact form always steps, which is the math the attack defines.
  const dirDotV = attackDirection(v, d, spec.norm, scratch.direction);
  // The reference objective (run-spec.ts) adds the parameter gradient of every point the attack takes an input
  // gradient at: the clean batch for a one-step attack, each iterate before its step for PGD.
  const leak = model.run.objective === 'reference';
  if (spec.method.name === 'one-step' && !clipToUnitBox) {
    if (leak) {
      residuals(train.x, offsets, n, v, d, train.y, indices, 0, residual);
      accumulateGradient(train.x, offsets, n, residual, d, gradient);
    }
    // Unclipped, x_adv = x + eps s_i direction, so u_adv = u + eps s_i (direction . v) and
    // sum_i r_i x_adv_i = sum_i r_i x_i + eps direction sum_i r_i s_i: the adversarial batch is never built.
    const shift = spec.eps * dirDotV;
    residuals(train.x, offsets, n, v, d, train.y, indices, shift, residual);
    accumulateGradient(train.x, offsets, n, residual, d, gradient);
    let signedResidualSum = 0;
    for (let i = 0; i < n; i++)
      signedResidualSum += (train.y[indices[i] as number] === 0 ? 1 : -1) * (residual[i] as number);
    const scale = (spec.eps * signedResidualSum) / n;
    const direction = scratch.direction;
    for (let j = 0; j < d; j++) gradient[j] = (gradient[j] as number) + scale * (direction[j] as number);
    optimizerStep(model, gradient);
    return;
  }
  if (spec.method.name === 'one-step' && !leak) {
    // Clipping makes each sample's step depend on its own pixels: the adversarial rows are built, and their
    // logits summed in the same sweep (one pass over the batch, the mnist-shaped bench's hot loop).
    const adversarial = scratch.adversarial;
    const direction = scratch.direction;
    const c = v[d] as number;
    for (let i = 0; i < n; i++) {
      const from = offsets[i] as number;
      const to = i * d;
      const y = train.y[indices[i] as number] as number;
      const step = y === 0 ? spec.eps : -spec.eps;
      let u = c;
      for (let j = 0; j < d; j++) {
        const value = Math.fround(unitBox((train.x[from + j] as number) + step * (direction[j] as number)));
        adversarial[to + j] = value;
        u += value * (v[j] as number);
      }
      residual[i] = 1 / (1 + Math.exp(-u)) - y;
      offsets[i] = to;
    }
    accumulateGradient(adversarial, offsets, n, residual, d, gradient);
    optimizerStep(model, gradient);
    return;
  }
  // PGD (its random start and projection) and the reference objective's leaked gradients: the adversarial
  // rows are built in float64 and rounded to float32 wherever a gradient or the update reads them.
  const current = scratch.current;
  for (let i = 0; i < n; i++) {
    const from = offsets[i] as number;
    for (let j = 0; j < d; j++) current[i * d + j] = train.x[from + j] as number;
  }
  const rowOffsets = scratch.rowOffsets;
  for (let i = 0; i < n; i++) rowOffsets[i] = i * d;
  const leakAt = (rows: Float64Array) => {
    const adversarial = roundRows(rows, n * d, scratch.adversarial);
    residuals(adversarial, rowOffsets, n, v, d, train.y, indices, 0, residual);
    accumulateGradient(adversarial, rowOffsets, n, residual, d, gradient);
  };
  if (spec.method.name === 'one-step') {
    if (leak) leakAt(current);
    moveRows(current, train, indices, n, d, spec.eps, scratch.direction, clipToUnitBox);
  } else {
    randomStart(current, train, offsets, n, d, spec, clipToUnitBox, model.attackRandom);
    // linf boxes after the ball (project); l2 boxes the moved point, then projects onto the ball.
    const boxMoved = clipToUnitBox && spec.norm === 'l2';
    for (let step = 0; step < spec.method.steps; step++) {
      if (leak) leakAt(current);
      moveRows(current, train, indices, n, d, spec.method.stepSize, scratch.direction, boxMoved);
      project(current, train, offsets, n, d, spec, clipToUnitBox);
    }
  }
  leakAt(current);
  optimizerStep(model, gradient);
}

/** The attack's per-sample direction up to the sign s_i: sign(v) (linf) or v / ||v|| (l2); returns it . v. */
function attackDirection(
  v: Float64Array,
  d: number,
  norm: AttackSpec['norm'],
  direction: Float64Array,
): number {
  let dirDotV = 0;
  if (norm === 'linf') {
    for (let j = 0; j < d; j++) {
      const vj = v[j] as number;
      const sign = vj > 0 ? 1 : vj < 0 ? -1 : 0;
      direction[j] = sign;
      dirDotV += sign * vj;
    }
    return dirDotV;
  }
  let squared = 0;
  for (let j = 0; j < d; j++) squared += (v[j] as number) ** 2;
  const norm2 = Math.sqrt(squared);
  // A zero weight vector has a zero input gradient: no step, as attacks.ts does.
  const scale = norm2 > 0 ? 1 / norm2 : 0;
  for (let j = 0; j < d; j++) direction[j] = (v[j] as number) * scale;
  return norm2;
}

/** rows_i += size s_i direction, clipped to [0,1] if `clip` (s_i = 1 - 2 y_i, the gradient's sign). */
function moveRows(
  rows: Float64Array,
  train: Split,
  indices: Uint32Array,
  n: number,
  d: number,
  size: number,
  direction: Float64Array,
  clip: boolean,
): void {
  for (let i = 0; i < n; i++) {
    const step = train.y[indices[i] as number] === 0 ? size : -size;
    for (let j = 0; j < d; j++) {
      const moved = (rows[i * d + j] as number) + step * (direction[j] as number);
      rows[i * d + j] = clip ? unitBox(moved) : moved;
    }
  }
}

const unitBox = (value: number) => Math.min(Math.max(value, 0), 1);

/**
 * PGD's random start from the run's attack stream, drawn exactly as attacks.ts's randomStart draws it (row by
 * row, each draw rounded to float32 as tfjs stores it), then added to the clean rows and clipped for pixel data.
 */
function randomStart(
  rows: Float64Array,
  train: Split,
  offsets: Uint32Array,
  n: number,
  d: number,
  spec: AttackSpec,
  clipToUnitBox: boolean,
  random: Random,
): void {
  for (let i = 0; i < n; i++) {
    const from = offsets[i] as number;
    const row = i * d;
    let scale = 1;
    if (spec.norm === 'linf') {
      for (let j = 0; j < d; j++) rows[row + j] = Math.fround((2 * random.uniform() - 1) * spec.eps);
    } else if (clipToUnitBox) {
      // advertorch's rule: towards a uniform point of the box, scaled down onto the ball.
      let squared = 0;
      for (let j = 0; j < d; j++) {
        const delta = Math.fround(random.uniform()) - (train.x[from + j] as number);
        rows[row + j] = delta;
        squared += delta * delta;
      }
      scale = Math.min(1, spec.eps / Math.max(Math.sqrt(squared), 1e-30));
    } else {
      let squared = 0;
      for (let j = 0; j < d; j++) {
        const g = Math.fround(random.normal());
        rows[row + j] = g;
        squared += g * g;
      }
      scale = spec.eps / Math.max(Math.sqrt(squared), 1e-30);
    }
    for (let j = 0; j < d; j++) {
      const start = (train.x[from + j] as number) + (rows[row + j] as number) * scale;
      rows[row + j] = clipToUnitBox ? unitBox(start) : start;
    }
  }
}

/**
 * PGD's projection after a step, in attacks.ts's (advertorch's) order. linf: the ball, then the box. l2: the
 * rows were already boxed by the step, then the ball (which stays in the box).
 */
function project(
  rows: Float64Array,
  train: Split,
  offsets: Uint32Array,
  n: number,
  d: number,
  spec: AttackSpec,
  clipToUnitBox: boolean,
): void {
  for (let i = 0; i < n; i++) {
    const from = offsets[i] as number;
    const row = i * d;
    if (spec.norm === 'linf') {
      for (let j = 0; j < d; j++) {
        const x = train.x[from + j] as number;
        const delta = Math.min(Math.max((rows[row + j] as number) - x, -spec.eps), spec.eps);
        rows[row + j] = clipToUnitBox ? unitBox(x + delta) : x + delta;
      }
      continue;
    }
    let squared = 0;
    for (let j = 0; j < d; j++) squared += ((rows[row + j] as number) - (train.x[from + j] as number)) ** 2;
    const scale = Math.min(1, spec.eps / Math.max(Math.sqrt(squared), 1e-30));
    if (scale === 1) continue;
    for (let j = 0; j < d; j++) {
      const x = train.x[from + j] as number;
      rows[row + j] = x + ((rows[row + j] as number) - x) * scale;
    }
  }
}

/** The rows rounded to float32, as tfjs holds an adversarial batch. */
function roundRows(rows: Float64Array, length: number, out: Float32Array): Float32Array {
  for (let k = 0; k < length; k++) out[k] = rows[k] as number;
  return out;
}
/**
 * r_i = sigmoid(u_i + shift s_i) - y_i with u_i = x_i . v + c and s_i = 1 - 2 y_i; returns nothing, fills
 * `out`. The loss of the batch is the mean of softplus(-(1 - 2 y_i) u_i); its gradient in u_i is r_i / n.
 */
function residuals(
  inputs: Float32Array,
  offsets: Uint32Array,
  n: number,
  v: Float64Array,
  d: number,
  labels: Uint8Array,
  indices: Uint32Array,
  shift: number,
  out: Float64Array,
): void {
  const c = v[d] as number;
  for (let i = 0; i < n; i++) {
    const y = labels[indices[i] as number] as number;
    const u = dot(inputs, offsets[i] as number, v, d) + c + (y === 0 ? shift : -shift);
    out[i] = 1 / (1 + Math.exp(-u)) - y;
  }
}

/**
 * gradient += (1/n) sum_i r_i [x_i, 1]: class 1's gradient of the mean batch loss. Four rows per sweep over the
 * gradient: its loads and stores, not the multiplies, bound this loop, and this halves them per row.
 */
function accumulateGradient(
  inputs: Float32Array,
  offsets: Uint32Array,
  n: number,
  residual: Float64Array,
  d: number,
  gradient: Float64Array,
): void {
  let biasSum = 0;
  for (let i = 0; i < n; i++) biasSum += residual[i] as number;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const o0 = offsets[i] as number;
    const o1 = offsets[i + 1] as number;
    const o2 = offsets[i + 2] as number;
    const o3 = offsets[i + 3] as number;
    const r0 = (residual[i] as number) / n;
    const r1 = (residual[i + 1] as number) / n;
    const r2 = (residual[i + 2] as number) / n;
    const r3 = (residual[i + 3] as number) / n;
    for (let j = 0; j < d; j++) {
      gradient[j] =
        (gradient[j] as number) +
        (r0 * (inputs[o0 + j] as number) +
          r1 * (inputs[o1 + j] as number) +
          (r2 * (inputs[o2 + j] as number) + r3 * (inputs[o3 + j] as number)));
    }
  }
  for (; i < n; i++) {
    const offset = offsets[i] as number;
    const r = (residual[i] as number) / n;
    for (let j = 0; j < d; j++) gradient[j] = (gradient[j] as number) + r * (inputs[offset + j] as number);
  }
  gradient[d] = (gradient[d] as number) + biasSum / n;
}

/**
 * The update rules of optimizers.ts (PyTorch's semantics) on class 1's parameters; class 0's update is its
 * negative (see LinearModel). Momentum keeps its velocity in `m`: v = mu v + g, starting from zero.
 */
function optimizerStep(model: LinearModel, gradient: Float64Array): void {
  const { p0, p1, m, s } = model;
  const lr = model.run.learningRate;
  const optimizer = model.run.optimizer;
  model.steps += 1;
  const correction1 = 1 - ADAM.beta1 ** model.steps;
  const correction2 = 1 - ADAM.beta2 ** model.steps;
  for (let j = 0; j < gradient.length; j++) {
    const g = gradient[j] as number;
    let update: number;
    if (optimizer === 'adam') {
      const mj = ADAM.beta1 * (m[j] as number) + (1 - ADAM.beta1) * g;
      const sj = ADAM.beta2 * (s[j] as number) + (1 - ADAM.beta2) * g * g;
      m[j] = mj;
      s[j] = sj;
      update = (lr * (mj / correction1)) / (Math.sqrt(sj / correction2) + ADAM.epsilon);
    } else if (optimizer === 'sgd-momentum') {
      const velocity = SGD_MOMENTUM * (m[j] as number) + g;
      m[j] = velocity;
      update = lr * velocity;
    } else {
      update = lr * g;
    }
    p1[j] = (p1[j] as number) - update;
    p0[j] = (p0[j] as number) + update;
  }
}

/** Mean clean cross-entropy and per-class correct counts on a split; ties (u = 0) go to class 0. */
export function evaluateLinear(p0: Float64Array, p1: Float64Array, split: Split, d: number): SplitMetrics {
  const c = (p1[d] as number) - (p0[d] as number);
  const v = new Float64Array(d);
  for (let j = 0; j < d; j++) v[j] = (p1[j] as number) - (p0[j] as number);
  let lossSum = 0;
  const correct: [number, number] = [0, 0];
  const total: [number, number] = [0, 0];
  const x = split.x;
  for (let i = 0; i < split.count; i++) {
    const u = dot(x, i * d, v, d) + c;
    const y = split.y[i] as 0 | 1;
    lossSum += softplus(y === 0 ? u : -u);
    total[y] += 1;
    if ((u > 0 ? 1 : 0) === y) correct[y] += 1;
  }
  return { loss: lossSum / split.count, correct, total };
}

/**
 * x[offset .. offset + d) . v[0 .. d). Four partial sums: a single running sum makes every add wait for the
 * previous one (float add latency), which made the whole step about twice as slow.
 */
function dot(x: Float32Array, offset: number, v: Float64Array, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < d; j += 4) {
    s0 += (x[offset + j] as number) * (v[j] as number);
    s1 += (x[offset + j + 1] as number) * (v[j + 1] as number);
    s2 += (x[offset + j + 2] as number) * (v[j + 2] as number);
    s3 += (x[offset + j + 3] as number) * (v[j + 3] as number);
  }
  for (; j < d; j++) s0 += (x[offset + j] as number) * (v[j] as number);
  return s0 + s1 + (s2 + s3);
}

/** log(1 + e^t) without overflow. */
function softplus(t: number): number {
  return t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t));
}

/** evaluate.ts's chunk: the evaluation stream's draws do not depend on it, but the scratch buffers do. */
const EVALUATION_CHUNK = 256;

/**
 * The metrics of a split under `spec`, with attacks.ts's semantics as in evaluate.ts's evaluateRobust: every
 * sample attacked against the model (PGD's random start from `random`, drawn row by row), then the loss and
 * per-class correct counts of the attacked samples (rounded to float32, as tfjs holds them).
 */
export function evaluateRobustLinear(
  p0: Float64Array,
  p1: Float64Array,
  split: Split,
  d: number,
  spec: AttackSpec,
  clipToUnitBox: boolean,
  random: Random,
): SplitMetrics {
  const v = new Float64Array(d + 1);
  for (let j = 0; j <= d; j++) v[j] = (p1[j] as number) - (p0[j] as number);
  const direction = new Float64Array(d);
  attackDirection(v, d, spec.norm, direction);
  const rows = new Float64Array(EVALUATION_CHUNK * d);
  const rounded = new Float32Array(EVALUATION_CHUNK * d);
  const offsets = new Uint32Array(EVALUATION_CHUNK);
  const indices = new Uint32Array(EVALUATION_CHUNK);
  let lossSum = 0;
  const correct: [number, number] = [0, 0];
  const total: [number, number] = [0, 0];
  for (let start = 0; start < split.count; start += EVALUATION_CHUNK) {
    const n = Math.min(EVALUATION_CHUNK, split.count - start);
    for (let i = 0; i < n; i++) {
      indices[i] = start + i;
      offsets[i] = (start + i) * d;
      for (let j = 0; j < d; j++) rows[i * d + j] = split.x[(start + i) * d + j] as number;
    }
    if (spec.method.name === 'one-step') {
      moveRows(rows, split, indices, n, d, spec.eps, direction, clipToUnitBox);
    } else {
      randomStart(rows, split, offsets, n, d, spec, clipToUnitBox, random);
      const boxMoved = clipToUnitBox && spec.norm === 'l2';
      for (let step = 0; step < spec.method.steps; step++) {
        moveRows(rows, split, indices, n, d, spec.method.stepSize, direction, boxMoved);
        project(rows, split, offsets, n, d, spec, clipToUnitBox);
      }
    }
    roundRows(rows, n * d, rounded);
    for (let i = 0; i < n; i++) {
      const u = dot(rounded, i * d, v, d) + (v[d] as number);
      const y = split.y[start + i] as 0 | 1;
      lossSum += softplus(y === 0 ? u : -u);
      total[y] += 1;
      if ((u > 0 ? 1 : 0) === y) correct[y] += 1;
    }
  }
  return { loss: lossSum / split.count, correct, total };
}
