import type { SyntheticParams } from '../datasets/types.js';
import { stableAt } from './stable-distribution.js';
import { type Attack, gapsBetween, type TheoryGaps } from './theory.js';

/**
 * The optimal linear rules on adgap's mixtures with symmetric alpha-stable noise, 1 <= alpha <= 2 (cauchy 1,
 * holtsmark 1.5; derivation: docs/theory.md). x = +mu + gamma S (majority, prior R/(1+R)) or -mu + gamma S
 * (minority, prior 1/(1+R)), S i.i.d. standard SaS (characteristic function exp(-|t|^alpha)), gamma =
 * noiseScale, mu = meanValue on the first k = min(meanNonZero, dim) coordinates.
 *
 * Optimal means the lowest 0-1 risk (standard rule) or robust 0-1 risk under the exact worst-case lp attack
 * (robust rule) among linear rules sign(w.x + b), constant rules included; for Gaussian noise these are the
 * rules theory.ts gives. w = 1_k is optimal (for alpha = 1 one of many optimal directions, all with the same
 * accuracies). On z = 1_k.x / (gamma k^(1/alpha)) the classes are y s + S, and the attack lowers the margin
 * to s' = (meanValue k - eps ||1_k||_dual) / (gamma k^(1/alpha)); the rule predicts the majority iff z > t,
 * with t the minimiser of p F(t - s') + q F(-t - s'). Heavy tails bound the likelihood ratio f(t + s') /
 * f(t - s'), so beyond some R no threshold beats predicting the majority everywhere: the trivial rule.
 *
 * Holds for every parameter the sweep file allows (dim, meanNonZero, meanValue, noiseScale, R >= 1, eps, norm),
 * for alpha in [1, 2]. It needs mu's equal non-zero coordinates (what the generator makes; unequal ones move the
 * optimal direction), the exact worst-case attack (report.ts: one-step attacks only), and says nothing about what
 * cross-entropy training converges to under heavy tails, which is another rule (docs/theory.md).
 */

/** The optimal rule and its clean accuracies per class, or why theory names none. */
export type StableRule =
  | {
      kind: 'threshold';
      /** s and s': the class means' distance from 0 on z, clean and under the attack (s' = s without one). */
      signal: number;
      signalAfterAttack: number;
      /** t on z, in units of the projected noise scale gamma k^(1/alpha). */
      threshold: number;
      accMajority: number;
      accMinority: number;
    }
  | { kind: 'majority'; accMajority: 1; accMinority: 0 }
  /** No margin at R = 1 (every constant rule is optimal), or the trivial and a threshold rule tie. */
  | { kind: 'undetermined'; reason: 'no margin' | 'tie' };

const MAJORITY = { kind: 'majority', accMajority: 1, accMinority: 0 } as const;

/**
 * Risks closer than this count as equal: the distribution functions are good to 1e-13 (1e-15 observed;
 * stable-distribution.ts), and at adgap's defaults cauchy R = 2 is an exact tie (docs/theory.md).
 */
const EQUAL_RISK = 1e-12;

/** The class means' distance from the boundary through 0 on z, s (no attack) or s' (after it). */
export function stableSignal(alpha: number, params: SyntheticParams, attack?: Attack): number {
  const k = Math.min(params.meanNonZero, params.dim);
  const dualNorm = attack ? attack.eps * (attack.norm === 'l2' ? Math.sqrt(k) : k) : 0;
  return (params.meanValue * k - dualNorm) / (params.noiseScale * k ** (1 / alpha));
}

/** The optimal linear rule for imbalance R, standard (no attack) or robust, and its clean accuracies. */
export function optimalStableRule(
  alpha: number,
  params: SyntheticParams,
  R: number,
  attack?: Attack,
): StableRule {
  const signal = stableSignal(alpha, params);
  const signalAfterAttack = attack ? stableSignal(alpha, params, attack) : signal;
  // The reference radii that make the margin exactly 0 in real arithmetic: compare with a tolerance.
  if (signalAfterAttack <= 1e-12 * signal)
    return R > 1 ? MAJORITY : { kind: 'undetermined', reason: 'no margin' };
  const threshold = R === 1 ? 0 : optimalThreshold(alpha, signalAfterAttack, R);
  if (threshold === 'majority') return MAJORITY;
  if (threshold === 'tie') return { kind: 'undetermined', reason: 'tie' };
  return {
    kind: 'threshold',
    signal,
    signalAfterAttack,
    threshold,
    accMajority: stableAt(signal - threshold, alpha).cdf,
    accMinority: stableAt(signal + threshold, alpha).cdf,
  };
}

/** AD, gap of AD and gap of standard accuracy predicted for one (R, attack); null where undetermined. */
export function stableTheoryGaps(
  alpha: number,
  params: SyntheticParams,
  R: number,
  attack: Attack,
): TheoryGaps | null {
  const standard = standardRule(alpha, params, R);
  const robust = optimalStableRule(alpha, params, R, attack);
  if (standard.kind === 'undetermined' || robust.kind === 'undetermined') return null;
  return gapsBetween(standard, robust, R);
}

/** Standard rules already computed: a report needs the same one for every radius of an R. */
const standardRules = new Map<string, StableRule>();

function standardRule(alpha: number, params: SyntheticParams, R: number): StableRule {
  const key = JSON.stringify([alpha, params.dim, params.meanNonZero, params.meanValue, params.noiseScale, R]);
  let rule = standardRules.get(key);
  if (!rule) {
    // A long-running server meets few distinct datasets; the bound only keeps a pathological one finite.
    if (standardRules.size >= 1000) standardRules.clear();
    rule = optimalStableRule(alpha, params, R);
    standardRules.set(key, rule);
  }
  return rule;
}

/**
 * The best threshold for R > 1 and signal s > 0, or the trivial rule (t -> -inf), or a tie between the two.
 * The risk g(t) = p F(t - s) + q F(-t - s) falls below q (the trivial rule's risk) only at a local minimum,
 * where g'(t) = p f(t - s) - q f(t + s) = 0, i.e. f(t + s) / f(t - s) = R; t <= 0 because g(t) > g(-t) for t > 0.
 */
function optimalThreshold(alpha: number, s: number, R: number): number | 'majority' | 'tie' {
  const t = alpha === 1 ? cauchyLocalMinimum(s, R) : numericLocalMinimum(alpha, s, R);
  if (t === undefined) return 'majority';
  const p = R / (1 + R);
  const q = 1 - p;
  const risk = p * stableAt(t - s, alpha).cdf + q * stableAt(-t - s, alpha).cdf;
  if (Math.abs(risk - q) <= EQUAL_RISK) return 'tie';
  return risk < q ? t : 'majority';
}

/**
 * alpha = 1 in closed form: f(t + s) / f(t - s) = R is (R - 1) t^2 + 2 s (R + 1) t + (R - 1)(1 + s^2) = 0. Without
 * a real root g increases everywhere (no local minimum); with two, the larger is the local minimum, written as
 * the product of the roots over the smaller so that it does not cancel as R -> 1.
 */
function cauchyLocalMinimum(s: number, R: number): number | undefined {
  const discriminant = s * s * (R + 1) ** 2 - (R - 1) ** 2 * (1 + s * s);
  if (discriminant < 0) return undefined;
  return (-(R - 1) * (1 + s * s)) / (s * (R + 1) + Math.sqrt(discriminant));
}

/**
 * alpha > 1: the lowest g on a grid of t <= 0 (steps of 0.25 while F needs quadrature, |t + s| <= 13, then
 * 25% steps out to -1e6), refined by bisection on the sign of g' between the grid point's neighbours to
 * 1e-9 (the accuracies then move by less than f(0) 1e-9). A minimum at the grid's far end is the trivial rule's
 * infimum (g tends to q there).
 */
function numericLocalMinimum(alpha: number, s: number, R: number): number | undefined {
  const p = R / (1 + R);
  const q = 1 - p;
  const grid: number[] = [];
  for (let t = 0; t > -(13 + s); t -= 0.25) grid.push(t);
  for (let t = -(13 + s); t > -1e6; t *= 1.25) grid.push(t);
  const risks = grid.map((t) => p * stableAt(t - s, alpha).cdf + q * stableAt(-t - s, alpha).cdf);
  const best = risks.indexOf(Math.min(...risks));
  if (best === grid.length - 1) return undefined;
  const slope = (t: number) => R * stableAt(t - s, alpha).density - stableAt(t + s, alpha).density;
  let left = grid[best + 1] as number;
  let right = grid[Math.max(best - 1, 0)] as number;
  if (!(slope(left) <= 0 && slope(right) >= 0)) return grid[best];
  while (right - left > 1e-9) {
    const middle = (left + right) / 2;
    if (slope(middle) < 0) left = middle;
    else right = middle;
  }
  return (left + right) / 2;
}
