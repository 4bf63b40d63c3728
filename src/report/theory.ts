import type { SyntheticParams } from '../datasets/types.js';
import type { Norm } from '../train/modes.js';

/**
 * Closed-form predictions for linear classifiers on adgap's Gaussian mixture (derivation: docs/theory.md).
 * x = +mu + N(0, sigma^2 I) (majority, prior R/(1+R)) or -mu + N(0, sigma^2 I) (minority, prior 1/(1+R)),
 * mu = meanValue on the first meanNonZero coordinates. The population minimiser of the (adversarial)
 * cross-entropy over linear models is w along mu, and on the projection z = mu.x/||mu||_2 it predicts the
 * majority iff z > t = -sigma^2 ln R / (2 m'), where m' = ||mu||_2 - eps ||mu/||mu||_2||_dual is the margin
 * left after the attack (m' = ||mu||_2 without one). When m' <= 0 the eps-balls of the two means touch or
 * overlap and the optimum predicts the majority everywhere (R > 1), or is undetermined (R = 1).
 */

export interface Attack {
  norm: Norm;
  eps: number;
}

/** The population-optimal linear rule's clean accuracies on each class, or why there is none. */
export type LinearPrediction =
  | {
      kind: 'threshold';
      marginAfterAttack: number;
      thresholdZ: number;
      accMajority: number;
      accMinority: number;
    }
  | { kind: 'majority'; accMajority: 1; accMinority: 0 }
  | { kind: 'undetermined' };

export interface TheoryGaps {
  /** AD of the robust rule (accuracy(majority) - accuracy(minority), balanced). */
  ad: number;
  /** AD(robust) - AD(standard). */
  adGap: number;
  /** accuracy(standard) - accuracy(robust) under the class priors (the imbalanced test set's proportions). */
  accuracyGap: number;
  /**
   * Which optimal rule is the trivial one, predicting the majority everywhere (AD 1): the robust rule where the
   * attack leaves no margin, either rule under heavy tails at large R (docs/theory.md).
   */
  trivial: { standard: boolean; robust: boolean };
}

/** The clean per-class accuracies of an optimal rule, and whether it is the trivial always-majority rule. */
export interface RuleAccuracies {
  kind: string;
  accMajority: number;
  accMinority: number;
}

/** Standard normal CDF via erfc (Numerical Recipes' erfcc, fractional error < 1.2e-7 everywhere). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** ||mu||_2: the distance from each class mean to the optimal boundary through the origin (R = 1). */
export function meanNormL2(params: SyntheticParams): number {
  return params.meanValue * Math.sqrt(params.meanNonZero);
}

/**
 * How much an attack of radius eps lowers the margin of the unit rule w = mu/||mu||_2: eps ||w||_dual, i.e.
 * eps for l2 and eps ||w||_1 = eps sqrt(meanNonZero) for linf.
 */
export function marginLoss(params: SyntheticParams, attack: Attack): number {
  return attack.norm === 'l2' ? attack.eps : attack.eps * Math.sqrt(params.meanNonZero);
}

/** The optimal linear rule for imbalance R, standard (no attack) or adversarially trained, and its accuracies. */
export function optimalLinearRule(params: SyntheticParams, R: number, attack?: Attack): LinearPrediction {
  const m = meanNormL2(params);
  const marginAfterAttack = attack ? m - marginLoss(params, attack) : m;
  // The largest reference radii make marginAfterAttack exactly 0 in real arithmetic: compare with a tolerance.
  if (marginAfterAttack <= 1e-12 * m) {
    return R > 1 ? { kind: 'majority', accMajority: 1, accMinority: 0 } : { kind: 'undetermined' };
  }
  const sigma = params.noiseScale;
  const thresholdZ = (-sigma * sigma * Math.log(R)) / (2 * marginAfterAttack);
  return {
    kind: 'threshold',
    marginAfterAttack,
    thresholdZ,
    accMajority: normalCdf((m - thresholdZ) / sigma),
    accMinority: normalCdf((m + thresholdZ) / sigma),
  };
}

/** AD, gap of AD and gap of standard accuracy predicted for one (R, attack); null where undetermined. */
export function theoryGaps(params: SyntheticParams, R: number, attack: Attack): TheoryGaps | null {
  const standard = optimalLinearRule(params, R);
  const robust = optimalLinearRule(params, R, attack);
  if (standard.kind === 'undetermined' || robust.kind === 'undetermined') return null;
  return gapsBetween(standard, robust, R);
}

/** The gaps between the standard and the robust rule at imbalance R (any noise: docs/theory.md). */
export function gapsBetween(standard: RuleAccuracies, robust: RuleAccuracies, R: number): TheoryGaps {
  const ad = (rule: RuleAccuracies) => rule.accMajority - rule.accMinority;
  const pMajority = R / (1 + R);
  const accuracy = (rule: RuleAccuracies) =>
    pMajority * rule.accMajority + (1 - pMajority) * rule.accMinority;
  return {
    ad: ad(robust),
    adGap: ad(robust) - ad(standard),
    accuracyGap: accuracy(standard) - accuracy(robust),
    trivial: { standard: standard.kind === 'majority', robust: robust.kind === 'majority' },
  };
}
