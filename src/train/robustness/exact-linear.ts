import type { Split } from '../../datasets/types.js';
import type { LinearWeights } from '../init.js';
import { classifiedAs, crossEntropy } from './classifier.js';
import { type Ball, type RobustnessEvaluation, robustnessEvaluation, SplitTally } from './evaluation.js';
import { scoreDifference } from './linear-classifier.js';

/**
 * The worst case of a linear function over the ball: max a . delta over ||delta||_p <= eps and, for pixel data,
 * x + delta in [0,1]^d. Exact, in float64.
 * - Unbounded: eps ||a||_q, q the dual of p (linf: eps ||a||_1; l2: eps ||a||_2), at delta = eps sign(a) or
 *   eps a / ||a||_2.
 * - With the box, delta_j moves x_j towards the face a_j points to, which is room_j = 1 - x_j (a_j > 0) or x_j
 *   (a_j < 0) away. linf: coordinates are independent, so delta_j = sign(a_j) min(eps, room_j). l2: maximise
 *   sum |a_j| t_j subject to sum t_j^2 <= eps^2 and 0 <= t_j <= room_j. Its KKT conditions give water-filling,
 *   t_j = min(room_j, lambda |a_j|), with lambda set by sum t_j^2 = eps^2, or every t_j = room_j when even that
 *   stays inside the ball. sum t_j^2 is increasing in lambda and quadratic between the breakpoints
 *   room_j / |a_j|, so sorting the breakpoints and walking them finds lambda in closed form.
 * Holds scratch for one dimension d; not for concurrent use.
 */
export class WorstCase {
  private readonly candidates: Uint32Array;
  private readonly breakpoints: Float64Array;
  /** Over the sorted candidates: the sum of a_j^2 from position k to the end. */
  private readonly tail: Float64Array;

  constructor(featureCount: number) {
    this.candidates = new Uint32Array(featureCount);
    this.breakpoints = new Float64Array(featureCount);
    this.tail = new Float64Array(featureCount + 1);
  }

  /** Fills `delta` with a worst-case perturbation of x for direction a; returns a . delta. */
  perturbation(a: ArrayLike<number>, x: ArrayLike<number>, ball: Ball, delta: Float64Array): number {
    const d = delta.length;
    const { eps } = ball;
    if (ball.norm === 'linf') {
      let gain = 0;
      for (let j = 0; j < d; j++) {
        const aj = a[j] as number;
        const t = aj === 0 ? 0 : ball.clipToUnitBox ? Math.min(eps, room(aj, x[j] as number)) : eps;
        delta[j] = aj < 0 ? -t : t;
        gain += Math.abs(aj) * t;
      }
      return gain;
    }
    if (!ball.clipToUnitBox) {
      let squared = 0;
      for (let j = 0; j < d; j++) squared += (a[j] as number) ** 2;
      const length = Math.sqrt(squared);
      for (let j = 0; j < d; j++) delta[j] = length > 0 ? (eps * (a[j] as number)) / length : 0;
      return eps * length;
    }
    return this.waterFill(a, x, eps, delta);
  }

  private waterFill(a: ArrayLike<number>, x: ArrayLike<number>, eps: number, delta: Float64Array): number {
    const { candidates, breakpoints, tail } = this;
    const d = delta.length;
    let count = 0;
    let roomSquared = 0;
    for (let j = 0; j < d; j++) {
      const aj = a[j] as number;
      const r = aj === 0 ? 0 : room(aj, x[j] as number);
      breakpoints[j] = aj === 0 ? 0 : r / Math.abs(aj);
      if (r > 0) {
        candidates[count++] = j;
        roomSquared += r * r;
      }
    }
    // lambda = Infinity caps every coordinate at its room: the whole box corner fits in the ball.
    let lambda = Number.POSITIVE_INFINITY;
    if (roomSquared > eps * eps) {
      const sorted = candidates
        .subarray(0, count)
        .sort((i, j) => (breakpoints[i] as number) - (breakpoints[j] as number));
      tail[count] = 0;
      for (let k = count - 1; k >= 0; k--)
        tail[k] = (tail[k + 1] as number) + (a[sorted[k] as number] as number) ** 2;
      // With the first k sorted coordinates at their room: capped + lambda^2 tail[k] = eps^2, valid while lambda
      // stays below the next breakpoint. roomSquared > eps^2 guarantees it happens before k = count.
      let capped = 0;
      for (let k = 0; k < count; k++) {
        const j = sorted[k] as number;
        const candidate = Math.sqrt((eps * eps - capped) / (tail[k] as number));
        if (candidate <= (breakpoints[j] as number)) {
          lambda = candidate;
          break;
        }
        capped += room(a[j] as number, x[j] as number) ** 2;
      }
    }
    delta.fill(0);
    let gain = 0;
    for (let k = 0; k < count; k++) {
      const j = candidates[k] as number;
      const aj = a[j] as number;
      const t = Math.min(room(aj, x[j] as number), lambda * Math.abs(aj));
      delta[j] = aj < 0 ? -t : t;
      gain += Math.abs(aj) * t;
    }
    return gain;
  }
}

/** How far x_j may move in the direction of a_j before it leaves [0,1]. */
function room(aj: number, xj: number): number {
  return Math.max(aj > 0 ? 1 - xj : xj, 0);
}

/**
 * Exact robust evaluation of the linear model on a split (the balanced test set): with u = v . x + c, a sample
 * of label y is classified correctly at every point of the ball iff it is at the worst one, where u moves by
 * the worst case of -v (y = 1) or v (y = 0) over the ball (WorstCase). Correct means classifiedAs (argmax, a tie
 * going to class 0), so a worst case landing exactly on u = 0 keeps a majority sample and breaks a minority
 * one. The loss is the cross-entropy at that point, which is also where the cross-entropy is largest: it
 * decreases in the margin. Clean figures come from the same u.
 */
export function exactLinearEvaluation(
  weights: LinearWeights,
  split: Split,
  ball: Ball,
): RobustnessEvaluation {
  const d = weights.featureCount;
  const { v, c } = scoreDifference(weights);
  const minusV = v.map((vj) => -vj);
  const worstCase = new WorstCase(d);
  const delta = new Float64Array(d);
  const clean = new SplitTally();
  const robust = new SplitTally();
  for (let i = 0; i < split.count; i++) {
    const x = split.x.subarray(i * d, (i + 1) * d);
    const y = split.y[i] as number;
    let u = c;
    for (let j = 0; j < d; j++) u += (v[j] as number) * (x[j] as number);
    clean.add(y, classifiedAs(u, y), crossEntropy(u, y));
    const shift = worstCase.perturbation(y === 1 ? minusV : v, x, ball, delta);
    const worst = y === 1 ? u - shift : u + shift;
    robust.add(y, classifiedAs(worst, y), crossEntropy(worst, y));
  }
  return robustnessEvaluation(ball, { name: 'exact' }, clean.metrics(), robust.metrics());
}
