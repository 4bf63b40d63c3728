import type { SplitName } from '../../../datasets/types.js';
import { Random, TrainingStream } from '../../../random.js';
import type { LinearWeights } from '../../init.js';
import { type AttackSpec, trainingAttack } from '../../modes.js';
import { ADAM, MLP_HIDDEN, SGD_MOMENTUM } from '../../protocol.js';
import type { SplitMetrics } from '../../result.js';
import type { RunSpec } from '../../run-spec.js';
import { forChunks, Tally } from '../wasm-worker/split-metrics.js';
import type { MlpKernels } from './kernels.js';

/**
 * The MLP of one run (protocol.md: Linear(d, 200), ReLU, Linear(200, 2)): the hidden layer's matrix products in
 * the wasm kernels (kernels.as.ts), the output layer, the loss and the optimiser here.
 *
 * Parameters, optimiser state and the sums of the hidden layer are float32, as in tfjs and PyTorch; the output
 * layer's sums (200 terms per sample) are float64. The parameters are kept in models.ts's order, [hidden
 * weight, hidden bias, output weight, output bias], with the hidden weight transposed (MLP_HIDDEN rows of the
 * kernels' stride, padding zero) as the kernels read it; mlpParameters gives models.ts's layout.
 */
export interface MlpModel {
  run: RunSpec;
  parameters: Float32Array[];
  /** Adam's first moments or momentum's velocities, and Adam's second moments, one array per parameter. */
  first: Float32Array[];
  second: Float32Array[];
  steps: number;
  /** The run's attack stream: PGD's random starts (attacks.ts draws them the same way). */
  attackRandom: Random;
}

/** The initial weights of models.ts's MLP: the hidden layer's, then the output layer's (init.ts's layout). */
export interface MlpInit {
  hidden: LinearWeights;
  output: LinearWeights;
}

export function createMlpModel(run: RunSpec, init: MlpInit, stride: number): MlpModel {
  const d = init.hidden.featureCount;
  const H = MLP_HIDDEN;
  const w = new Float32Array(H * stride);
  for (let j = 0; j < d; j++) {
    for (let h = 0; h < H; h++) w[h * stride + j] = init.hidden.weight[j * H + h] as number;
  }
  const parameters = [w, init.hidden.bias.slice(), init.output.weight.slice(), init.output.bias.slice()];
  const zeros = () => parameters.map((p) => new Float32Array(p.length));
  return {
    run,
    parameters,
    first: zeros(),
    second: zeros(),
    steps: 0,
    attackRandom: Random.stream(run.seed, TrainingStream.attack),
  };
}

/** Parameters (current or best) in models.ts's order and layout: weight [d][200], bias, weight [200][2], bias. */
export function mlpParameters(parameters: readonly Float32Array[], featureCount: number): Float32Array[] {
  const [w, b1, w2, b2] = parameters as [Float32Array, Float32Array, Float32Array, Float32Array];
  const H = MLP_HIDDEN;
  const stride = w.length / H;
  const weight = new Float32Array(featureCount * H);
  for (let j = 0; j < featureCount; j++) {
    for (let h = 0; h < H; h++) weight[j * H + h] = w[h * stride + j] as number;
  }
  return [weight, b1.slice(), w2.slice(), b2.slice()];
}

/** One worker's buffers for every model it trains, beside the kernels' own. */
export interface MlpWorkspace {
  kernels: MlpKernels;
  /** Gradients of the hidden bias and of the output layer (the hidden weight's is the kernels' gw). */
  hiddenBias: Float64Array;
  outputWeight: Float64Array;
  outputBias: Float64Array;
  /** Labels of the rows the kernels currently hold (a batch or an evaluation chunk). */
  labels: Uint8Array;
  /** Per held row: the logit difference l1 - l0 of the last forward pass. */
  margins: Float64Array;
  /** A PGD random start's row before it is scaled. */
  row: Float64Array;
}

export function createMlpWorkspace(kernels: MlpKernels): MlpWorkspace {
  return {
    kernels,
    hiddenBias: new Float64Array(MLP_HIDDEN),
    outputWeight: new Float64Array(MLP_HIDDEN * 2),
    outputBias: new Float64Array(2),
    labels: new Uint8Array(kernels.rowCapacity),
    margins: new Float64Array(kernels.rowCapacity),
    row: new Float64Array(kernels.featureCount),
  };
}

/** Makes the hidden layer of `parameters` the kernels'. */
function useParameters(k: MlpKernels, parameters: readonly Float32Array[]): void {
  k.useHiddenLayer(parameters[0] as Float32Array, parameters[1] as Float32Array);
}

const sigmoid = (u: number) => 1 / (1 + Math.exp(-u));

/**
 * The forward pass at the rows `rows` (the slot's hidden layer, `parameters`' output layer), leaving each row's
 * logit difference in `margins`. With `backward`, also the gradient of the mean cross-entropy over the n rows
 * with respect to the hidden pre-activations in the kernels' dz: (softmax - onehot) / n through the output
 * layer and ReLU (derivative 0 at 0, as tfjs's); with `accumulate`, the parameter gradients are added into the
 * workspace and the kernels' gw. Class 0's logit gradient is exactly the negative of class 1's.
 */
function pass(
  ws: MlpWorkspace,
  parameters: readonly Float32Array[],
  rows: number,
  n: number,
  backward: boolean,
  accumulate: boolean,
): void {
  const k = ws.kernels;
  const H = MLP_HIDDEN;
  k.hiddenForward(rows, n);
  const { z, dz } = k;
  const w2 = parameters[2] as Float32Array;
  const b2 = parameters[3] as Float32Array;
  const { labels, margins, hiddenBias, outputWeight, outputBias } = ws;
  for (let i = 0; i < n; i++) {
    const base = i * H;
    let l0 = b2[0] as number;
    let l1 = b2[1] as number;
    for (let h = 0; h < H; h++) {
      const a = Math.max(z[base + h] as number, 0);
      l0 += a * (w2[2 * h] as number);
      l1 += a * (w2[2 * h + 1] as number);
    }
    margins[i] = l1 - l0;
    if (!backward) continue;
    const g1 = (sigmoid(l1 - l0) - (labels[i] as number)) / n;
    if (accumulate) {
      outputBias[0] = (outputBias[0] as number) - g1;
      outputBias[1] = (outputBias[1] as number) + g1;
    }
    for (let h = 0; h < H; h++) {
      const pre = z[base + h] as number;
      if (pre > 0) {
        const d = g1 * ((w2[2 * h + 1] as number) - (w2[2 * h] as number));
        dz[base + h] = d;
        if (accumulate) {
          hiddenBias[h] = (hiddenBias[h] as number) + d;
          outputWeight[2 * h] = (outputWeight[2 * h] as number) - pre * g1;
          outputWeight[2 * h + 1] = (outputWeight[2 * h + 1] as number) + pre * g1;
        }
      } else dz[base + h] = 0;
    }
  }
  if (accumulate) k.weightGradient(rows, n);
}

/** The input gradient of the mean loss at the rows `rows`, into the kernels' grads (parameters' too if `leak`). */
function inputGradientAt(
  ws: MlpWorkspace,
  parameters: readonly Float32Array[],
  rows: number,
  n: number,
  leak: boolean,
): void {
  pass(ws, parameters, rows, n, true, leak);
  ws.kernels.inputGradient(n);
}

/**
 * The adversarial rows of the held rows `origins` under `spec` into the kernels' work rows, with attacks.ts's
 * semantics (PGD's random start from `random`). With `leak`, the parameter gradient at every point an input
 * gradient is taken is accumulated (the reference objective).
 */
function attackRows(
  ws: MlpWorkspace,
  parameters: readonly Float32Array[],
  origins: number,
  n: number,
  spec: AttackSpec,
  random: Random,
  leak: boolean,
): void {
  const k = ws.kernels;
  if (spec.method.name === 'one-step') {
    inputGradientAt(ws, parameters, origins, n, leak);
    k.stepRows(origins, n, spec.norm, spec.eps);
    return;
  }
  k.randomStart(origins, n, spec, random, ws.row);
  for (let step = 0; step < spec.method.steps; step++) {
    inputGradientAt(ws, parameters, k.workRows, n, leak);
    k.pgdRows(origins, n, spec.norm, spec.method.stepSize, spec.eps);
  }
}

/**
 * One optimiser step of `model` on the batch `indices` of the training split, with the run's training mode,
 * attack and objective (attacks.ts and tfjs.ts's trainStep semantics).
 */
export function trainStep(model: MlpModel, ws: MlpWorkspace, indices: Uint32Array): void {
  const k = ws.kernels;
  const n = indices.length;
  const train = k.split('train');
  k.selectBatch(train, indices);
  for (let i = 0; i < n; i++) ws.labels[i] = k.u8[train.y + (indices[i] as number)] as number;
  useParameters(k, model.parameters);
  k.gw.fill(0);
  ws.hiddenBias.fill(0);
  ws.outputWeight.fill(0);
  ws.outputBias.fill(0);
  const spec = trainingAttack(model.run.mode);
  let rows = k.batchRows;
  if (spec) {
    attackRows(
      ws,
      model.parameters,
      k.batchRows,
      n,
      spec,
      model.attackRandom,
      model.run.objective === 'reference',
    );
    rows = k.workRows;
  }
  pass(ws, model.parameters, rows, n, true, true);
  optimizerStep(model, [k.gw, ws.hiddenBias, ws.outputWeight, ws.outputBias]);
}

/**
 * The update rules of optimizers.ts (PyTorch's semantics), parameter by parameter, in float64 rounded to the
 * float32 parameters and state. One loop per rule: a rule chosen inside the loop is ~3x slower in V8.
 */
function optimizerStep(model: MlpModel, gradients: readonly ArrayLike<number>[]): void {
  const lr = model.run.learningRate;
  model.steps += 1;
  const { beta1, beta2, epsilon } = ADAM;
  // torch.optim.Adam's arrangement: the bias corrections folded into a step size and a denominator scale.
  const stepSize = lr / (1 - beta1 ** model.steps);
  const denominatorScale = 1 / Math.sqrt(1 - beta2 ** model.steps);
  model.parameters.forEach((p, k) => {
    const g = gradients[k] as ArrayLike<number>;
    const m = model.first[k] as Float32Array;
    const s = model.second[k] as Float32Array;
    if (model.run.optimizer === 'adam') {
      for (let j = 0; j < p.length; j++) {
        const gj = g[j] as number;
        const mj = Math.fround(beta1 * (m[j] as number) + (1 - beta1) * gj);
        const sj = Math.fround(beta2 * (s[j] as number) + (1 - beta2) * gj * gj);
        m[j] = mj;
        s[j] = sj;
        p[j] = (p[j] as number) - (stepSize * mj) / (Math.sqrt(sj) * denominatorScale + epsilon);
      }
    } else if (model.run.optimizer === 'sgd-momentum') {
      for (let j = 0; j < p.length; j++) {
        const velocity = Math.fround(SGD_MOMENTUM * (m[j] as number) + (g[j] as number));
        m[j] = velocity;
        p[j] = (p[j] as number) - lr * velocity;
      }
    } else {
      for (let j = 0; j < p.length; j++) p[j] = (p[j] as number) - lr * (g[j] as number);
    }
  });
}

/**
 * Mean clean cross-entropy and per-class correct counts on a split; with `lossBatchSize`, the loss is the mean of
 * per-batch means (validation-loss.ts).
 */
export function evaluateMlp(
  parameters: readonly Float32Array[],
  ws: MlpWorkspace,
  split: SplitName,
  lossBatchSize?: number,
): SplitMetrics {
  useParameters(ws.kernels, parameters);
  const tally = new Tally(lossBatchSize);
  forChunks(ws, split, (origins, n) => {
    pass(ws, parameters, origins, n, false, false);
    tally.add(ws.labels, ws.margins, 0, n);
  });
  return tally.metrics();
}

/**
 * The metrics of a split under `spec`, as evaluate.ts's evaluateRobust takes them: every sample attacked
 * against the model (PGD's random start from `random`, drawn row by row), then the loss and per-class correct
 * counts of the attacked samples.
 */
export function evaluateRobustMlp(
  parameters: readonly Float32Array[],
  ws: MlpWorkspace,
  split: SplitName,
  spec: AttackSpec,
  random: Random,
): SplitMetrics {
  const k = ws.kernels;
  useParameters(k, parameters);
  const tally = new Tally();
  forChunks(ws, split, (origins, n) => {
    attackRows(ws, parameters, origins, n, spec, random, false);
    pass(ws, parameters, k.workRows, n, false, false);
    tally.add(ws.labels, ws.margins, 0, n);
  });
  return tally.metrics();
}
