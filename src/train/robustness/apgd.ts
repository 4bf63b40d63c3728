import type { Split } from '../../datasets/types.js';
import { type BinaryClassifier, classifiedAs, crossEntropy } from './classifier.js';
import { type Ball, type RobustnessEvaluation, robustnessEvaluation, SplitTally } from './evaluation.js';
import type { StartPoint } from './random-start.js';

/**
 * APGD-CE (Croce & Hein, "Reliable evaluation of adversarial robustness with an ensemble of diverse
 * parameter-free attacks", ICML 2020, Algorithm 1) with its default schedule: 100 iterations, initial step
 * 2 eps, momentum 0.75, and at each checkpoint the step halved, restarting from the best point, when fewer
 * than rho = 0.75 of the steps since the last checkpoint raised the loss (condition 1) or when the step was not
 * halved at the last checkpoint and the best loss has not changed since (condition 2). `restarts` is AutoAttack's
 * n_restarts: its standard version runs APGD-CE with 1 for linf and l2 (5 in its `plus` version).
 */
export const APGD_CE = { iterations: 100, restarts: 1, momentum: 0.75, rho: 0.75, initialStep: 2 } as const;

/**
 * The iterations after which APGD checks its step size: w_j = ceil(p_j N) <= N with p_0 = 0, p_1 = 0.22,
 * p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06); for N = 100, 22, 41, 57, 70, 80, 87, 93, 99. The p_j are
 * kept in hundredths: in floats 0.22 + 0.19 is 0.41000000000000003, whose ceiling at N = 100 would be 42.
 */
export function apgdCheckpoints(iterations: number): number[] {
  const checkpoints: number[] = [];
  let previous = 0;
  let current = 22;
  for (;;) {
    const w = Math.ceil((current * iterations) / 100);
    if (w > iterations) return checkpoints;
    if (w > (checkpoints.at(-1) ?? 0)) checkpoints.push(w);
    const next = current + Math.max(current - previous - 3, 6);
    previous = current;
    current = next;
  }
}

export interface ApgdOptions {
  ball: Ball;
  /** Runs per sample, each from a new start, later ones only on samples not yet broken (APGD_CE.restarts). */
  restarts: number;
  start: StartPoint;
}

/** What APGD found, per sample of the split. */
export interface ApgdOutcome {
  cleanCorrect: Uint8Array;
  cleanLoss: Float64Array;
  /** Misclassified at its clean row, at a start or at any iterate of any restart (1), or never (0). */
  broken: Uint8Array;
  /** The largest cross-entropy found in the ball (f_max), over every restart run on the sample. */
  bestLoss: Float64Array;
}

/**
 * Rows attacked together. Every per-sample quantity (step size, counters, best point) is the sample's own, so
 * the outcome does not depend on it; 250 is AutoAttack's default batch.
 */
const CHUNK_ROWS = 250;

/**
 * APGD-CE against `model` on every sample of `split`. Each restart attacks every sample still unbroken, the
 * first one every sample (misclassified ones too, so that each sample has a best loss).
 *
 * The algorithm is the paper's, with autopgd_base.py's readings where the paper leaves a choice: the check at
 * checkpoint w_j runs once iterate x(w_j) is computed and counts the loss increases f(x(i+1)) > f(x(i)) for
 * w_{j-1} <= i < w_j among computed iterates; after a halving the next step starts from the best point x_max,
 * its momentum term x_max - x(w_j - 1); the start is clipped to the box;
 * the projection onto the l2 ball is followed by clipping to the box; steps are sign(g) (linf) or
 * g / (||g||_2 + 1e-12) (l2); the arithmetic on iterates is float32 in that code's order of operations. Where
 * the code departs from the paper, this follows the paper: condition 1 is a strict "fewer than rho" (the code
 * halves at exactly rho too: of the default intervals, only 12 increases in 16 can), the first interval's count starts from f(x(0)) (the
 * code compares f(x(1)) with 0, an unfilled entry read at index -1), and condition 2 can hold at the first
 * checkpoint, since the step was not changed between w_0 = 0 and w_1 (the code starts as if it had been).
 * The loss is crossEntropy (classifier.ts): float64 from the float32 logits, with adgap's exact gradient.
 */
export function apgd(model: BinaryClassifier, split: Split, options: ApgdOptions): ApgdOutcome {
  const n = split.count;
  const outcome: ApgdOutcome = {
    cleanCorrect: new Uint8Array(n),
    cleanLoss: new Float64Array(n),
    broken: new Uint8Array(n),
    bestLoss: new Float64Array(n).fill(Number.NEGATIVE_INFINITY),
  };
  const chunk = new ApgdChunk(model, options.ball);
  const every = Uint32Array.from({ length: n }, (_, i) => i);
  for (let start = 0; start < n; start += CHUNK_ROWS) {
    chunk.clean(split, every.subarray(start, start + CHUNK_ROWS), outcome);
  }
  for (let restart = 0; restart < options.restarts; restart++) {
    const samples = restart === 0 ? every : every.filter((i) => outcome.broken[i] === 0);
    for (let start = 0; start < samples.length; start += CHUNK_ROWS) {
      chunk.attack(split, samples.subarray(start, start + CHUNK_ROWS), restart, options.start, outcome);
    }
  }
  return outcome;
}

/** APGD-CE's robust evaluation of a split (the balanced test set): a sample counts if APGD never broke it. */
export function apgdEvaluation(
  model: BinaryClassifier,
  split: Split,
  options: ApgdOptions,
): RobustnessEvaluation {
  const found = apgd(model, split, options);
  const clean = new SplitTally();
  const robust = new SplitTally();
  for (let i = 0; i < split.count; i++) {
    const y = split.y[i] as number;
    clean.add(y, found.cleanCorrect[i] === 1, found.cleanLoss[i] as number);
    robust.add(y, found.broken[i] === 0, found.bestLoss[i] as number);
  }
  const method = { name: 'apgd-ce', iterations: APGD_CE.iterations, restarts: options.restarts } as const;
  return robustnessEvaluation(options.ball, method, clean.metrics(), robust.metrics());
}

const f = Math.fround;

/** The state of up to CHUNK_ROWS samples under attack: rows of featureCount floats, or one entry per row. */
class ApgdChunk {
  private readonly d: number;
  private readonly x: Float32Array;
  private readonly labels: Uint8Array;
  private readonly logits: Float32Array;
  /** The point the next step starts from, and the one the previous step started from (for momentum). */
  private readonly current: Float32Array;
  private readonly previous: Float32Array;
  private readonly gradient: Float32Array;
  private readonly best: Float32Array;
  private readonly bestGradient: Float32Array;
  /** One row's projected gradient step z and the next iterate, before its projection (l2). */
  private readonly z: Float32Array;
  private readonly next: Float32Array;
  private readonly step: Float32Array;
  private readonly lastLoss: Float64Array;
  private readonly bestLoss: Float64Array;
  private readonly bestLossAtCheck: Float64Array;
  private readonly increases: Uint16Array;
  private readonly halvedAtCheck: Uint8Array;
  private readonly broken: Uint8Array;
  private readonly checkpoints = apgdCheckpoints(APGD_CE.iterations);

  constructor(
    private readonly model: BinaryClassifier,
    private readonly ball: Ball,
  ) {
    const d = model.featureCount;
    this.d = d;
    const rows = () => new Float32Array(CHUNK_ROWS * d);
    this.x = rows();
    this.current = rows();
    this.previous = rows();
    this.gradient = rows();
    this.best = rows();
    this.bestGradient = rows();
    this.z = new Float32Array(d);
    this.next = new Float32Array(d);
    this.labels = new Uint8Array(CHUNK_ROWS);
    this.logits = new Float32Array(CHUNK_ROWS * 2);
    this.step = new Float32Array(CHUNK_ROWS);
    this.lastLoss = new Float64Array(CHUNK_ROWS);
    this.bestLoss = new Float64Array(CHUNK_ROWS);
    this.bestLossAtCheck = new Float64Array(CHUNK_ROWS);
    this.increases = new Uint16Array(CHUNK_ROWS);
    this.halvedAtCheck = new Uint8Array(CHUNK_ROWS);
    this.broken = new Uint8Array(CHUNK_ROWS);
  }

  /** Copies the samples' rows and labels in; returns the row count. */
  private gather(split: Split, samples: Uint32Array): number {
    const { d } = this;
    samples.forEach((sample, i) => {
      this.x.set(split.x.subarray(sample * d, (sample + 1) * d), i * d);
      this.labels[i] = split.y[sample] as number;
    });
    return samples.length;
  }

  /** Logits and gradients of the first n rows of `rows` into the chunk's buffers. */
  private evaluate(rows: Float32Array, n: number): void {
    const d = this.d;
    this.model.logitsAndGradients(
      rows.subarray(0, n * d),
      this.labels.subarray(0, n),
      this.logits.subarray(0, n * 2),
      this.gradient.subarray(0, n * d),
    );
  }

  /** Row i's logit difference z1 - z0 after evaluate. */
  private margin(i: number): number {
    return (this.logits[i * 2 + 1] as number) - (this.logits[i * 2] as number);
  }

  clean(split: Split, samples: Uint32Array, outcome: ApgdOutcome): void {
    const n = this.gather(split, samples);
    this.evaluate(this.x, n);
    samples.forEach((sample, i) => {
      const u = this.margin(i);
      const y = this.labels[i] as number;
      const correct = classifiedAs(u, y);
      outcome.cleanCorrect[sample] = correct ? 1 : 0;
      outcome.cleanLoss[sample] = crossEntropy(u, y);
      if (!correct) outcome.broken[sample] = 1;
    });
  }

  attack(split: Split, samples: Uint32Array, restart: number, start: StartPoint, outcome: ApgdOutcome): void {
    const { d, ball, current, previous, best, gradient, bestGradient } = this;
    const n = this.gather(split, samples);
    const clip = ball.clipToUnitBox;
    for (let i = 0; i < n; i++) {
      const row = current.subarray(i * d, (i + 1) * d);
      start(samples[i] as number, restart, this.x.subarray(i * d, (i + 1) * d), row);
      if (clip) for (let j = 0; j < d; j++) row[j] = Math.min(Math.max(row[j] as number, 0), 1);
    }
    this.broken.fill(0);
    this.evaluate(current, n);
    const initialStep = f(APGD_CE.initialStep * f(ball.eps));
    for (let i = 0; i < n; i++) {
      const loss = this.observe(i);
      this.lastLoss[i] = loss;
      this.bestLoss[i] = loss;
      this.bestLossAtCheck[i] = loss;
      this.increases[i] = 0;
      this.halvedAtCheck[i] = 0;
      this.step[i] = initialStep;
    }
    best.set(current.subarray(0, n * d));
    bestGradient.set(gradient.subarray(0, n * d));
    previous.set(current.subarray(0, n * d));

    let checkpoint = 0;
    let lastCheckpoint = 0;
    for (let k = 1; k <= APGD_CE.iterations; k++) {
      // x(1) is a plain projected step; later iterates mix in the last move (the paper's alpha).
      const momentum = k === 1 ? 1 : APGD_CE.momentum;
      for (let i = 0; i < n; i++) {
        if (ball.norm === 'linf') this.linfStep(i, momentum);
        else this.l2Step(i, momentum);
      }
      this.evaluate(current, n);
      for (let i = 0; i < n; i++) {
        const loss = this.observe(i);
        if (loss > (this.lastLoss[i] as number)) this.increases[i] = (this.increases[i] as number) + 1;
        this.lastLoss[i] = loss;
        if (loss > (this.bestLoss[i] as number)) {
          this.bestLoss[i] = loss;
          best.set(current.subarray(i * d, (i + 1) * d), i * d);
          bestGradient.set(gradient.subarray(i * d, (i + 1) * d), i * d);
        }
      }
      if (k !== this.checkpoints[checkpoint]) continue;
      const interval = k - lastCheckpoint;
      for (let i = 0; i < n; i++) {
        const tooFewIncreases = (this.increases[i] as number) < APGD_CE.rho * interval;
        const stalled = this.halvedAtCheck[i] === 0 && this.bestLoss[i] === this.bestLossAtCheck[i];
        const halve = tooFewIncreases || stalled;
        this.halvedAtCheck[i] = halve ? 1 : 0;
        this.bestLossAtCheck[i] = this.bestLoss[i] as number;
        this.increases[i] = 0;
        if (halve) {
          this.step[i] = (this.step[i] as number) / 2;
          current.set(best.subarray(i * d, (i + 1) * d), i * d);
          gradient.set(bestGradient.subarray(i * d, (i + 1) * d), i * d);
        }
      }
      lastCheckpoint = k;
      checkpoint++;
    }
    samples.forEach((sample, i) => {
      if (this.broken[i] === 1) outcome.broken[sample] = 1;
      outcome.bestLoss[sample] = Math.max(outcome.bestLoss[sample] as number, this.bestLoss[i] as number);
    });
  }

  /** Row i's loss after evaluate, marking it broken if misclassified there. */
  private observe(i: number): number {
    const u = this.margin(i);
    const y = this.labels[i] as number;
    if (!classifiedAs(u, y)) this.broken[i] = 1;
    return crossEntropy(u, y);
  }

  /**
   * Row i's next linf iterate: z = P(x_k + eta sign(g)), then x_{k+1} = P(x_k + alpha (z - x_k) + (1 - alpha)
   * (x_k - x_{k-1})), P clipping to [x - eps, x + eps] and, for pixel data, to [0, 1].
   */
  private linfStep(i: number, alpha: number): void {
    const { d, x, current, previous, gradient } = this;
    const eps = f(this.ball.eps);
    const clip = this.ball.clipToUnitBox;
    const step = this.step[i] as number;
    const beta = 1 - alpha;
    for (let j = i * d; j < (i + 1) * d; j++) {
      const xj = x[j] as number;
      const low = f(xj - eps);
      const high = f(xj + eps);
      const c = current[j] as number;
      const g = gradient[j] as number;
      let z = Math.min(Math.max(f(c + (g > 0 ? step : g < 0 ? -step : 0)), low), high);
      if (clip) z = Math.min(Math.max(z, 0), 1);
      let next = f(f(c + f(f(z - c) * alpha)) + f(f(c - (previous[j] as number)) * beta));
      next = Math.min(Math.max(next, low), high);
      if (clip) next = Math.min(Math.max(next, 0), 1);
      previous[j] = c;
      current[j] = next;
    }
  }

  /** Row i's next l2 iterate: as linfStep with steps along g / (||g|| + 1e-12) and P onto the l2 ball. */
  private l2Step(i: number, alpha: number): void {
    const { d, current, previous, gradient, z, next } = this;
    const offset = i * d;
    const step = this.step[i] as number;
    const scale = f(f(rowLength(gradient, offset, d)) + TINY);
    for (let j = 0; j < d; j++) {
      z[j] = f((current[offset + j] as number) + f(step * f((gradient[offset + j] as number) / scale)));
    }
    this.projectL2(i, z);
    const beta = 1 - alpha;
    for (let j = 0; j < d; j++) {
      const c = current[offset + j] as number;
      const move = f(f((z[j] as number) - c) * alpha);
      next[j] = f(f(c + move) + f(f(c - (previous[offset + j] as number)) * beta));
      previous[offset + j] = c;
    }
    this.projectL2(i, next);
    current.set(next, offset);
  }

  /**
   * Moves `point` onto row i's ball, x + (delta / (||delta|| + 1e-12)) min(eps, ||delta||), then, for pixel data,
   * into [0, 1] (which keeps it in the ball).
   */
  private projectL2(i: number, point: Float32Array): void {
    const { d, x } = this;
    const offset = i * d;
    let squared = 0;
    for (let j = 0; j < d; j++) {
      const delta = f((point[j] as number) - (x[offset + j] as number));
      squared += f(delta * delta);
    }
    const length = f(Math.sqrt(f(squared)));
    const scale = f(length + TINY);
    const radius = Math.min(f(this.ball.eps), length);
    for (let j = 0; j < d; j++) {
      const xj = x[offset + j] as number;
      const projected = f(xj + f(f(f((point[j] as number) - xj) / scale) * radius));
      point[j] = this.ball.clipToUnitBox ? Math.min(Math.max(projected, 0), 1) : projected;
    }
  }
}

/** autopgd_base.py's guard against dividing by a zero norm, as a float32 constant. */
const TINY = f(1e-12);

function rowLength(rows: Float32Array, offset: number, d: number): number {
  let squared = 0;
  for (let j = offset; j < offset + d; j++) squared += f((rows[j] as number) * (rows[j] as number));
  return Math.sqrt(f(squared));
}
