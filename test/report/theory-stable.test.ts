import { describe, expect, it } from 'vitest';
import { syntheticPools } from '../../src/datasets/synthetic.js';
import { DEFAULT_SYNTHETIC_PARAMS, type SyntheticParams } from '../../src/datasets/types.js';
import { stableCdf } from '../../src/report/stable-distribution.js';
import { type Attack, theoryGaps } from '../../src/report/theory.js';
import { optimalStableRule, stableSignal, stableTheoryGaps } from '../../src/report/theory-stable.js';

const P = DEFAULT_SYNTHETIC_PARAMS; // mu = 25 ones then 75 zeros, gamma = 2

function threshold(rule: ReturnType<typeof optimalStableRule>) {
  if (rule.kind !== 'threshold') throw new Error(`expected a threshold rule, got ${rule.kind}`);
  return rule;
}

describe('stableSignal: the class means on z = 1_k.x / (gamma k^(1/alpha))', () => {
  it('is a / gamma for alpha = 1 whatever k (averaging Cauchy coordinates does not shrink the noise)', () => {
    expect(stableSignal(1, P)).toBeCloseTo(0.5, 15);
    expect(stableSignal(1, { ...P, meanNonZero: 100 })).toBeCloseTo(0.5, 15);
  });

  it('is a k^(1 - 1/alpha) / gamma: 25^(1/3) / 2 for Holtsmark, sqrt(2) ||mu||_2 / sigma for the normal', () => {
    expect(stableSignal(1.5, P)).toBeCloseTo(25 ** (1 / 3) / 2, 14);
    expect(stableSignal(2, { ...P, noiseScale: 2 / Math.SQRT2 })).toBeCloseTo((Math.SQRT2 * 5) / 2, 14);
  });

  it('l2 eps and linf eps / sqrt(k) leave the same margin: (a k - eps sqrt k) / (gamma k^(1/alpha))', () => {
    for (const alpha of [1, 1.5]) {
      const l2 = stableSignal(alpha, P, { norm: 'l2', eps: 2.5 });
      expect(stableSignal(alpha, P, { norm: 'linf', eps: 0.5 })).toBeCloseTo(l2, 14);
      expect(l2).toBeCloseTo((25 - 2.5 * 5) / (2 * 25 ** (1 / alpha)), 14);
    }
  });

  it('uses the mean coordinates that exist: k = min(meanNonZero, dim)', () => {
    expect(stableSignal(1.5, { ...P, dim: 10, meanNonZero: 25 })).toBeCloseTo(10 ** (1 / 3) / 2, 14);
  });
});

describe('optimalStableRule, alpha = 1 (Cauchy) in closed form', () => {
  it('R = 1: threshold 0, both accuracies 1/2 + atan(1/2) / pi', () => {
    const rule = threshold(optimalStableRule(1, P, 1));
    expect(rule.threshold).toBe(0);
    expect(rule.accMajority).toBeCloseTo(0.5 + Math.atan(0.5) / Math.PI, 15);
    expect(rule.accMinority).toBeCloseTo(rule.accMajority, 15);
  });

  it('gamma = 1, R = 2: t solves t^2 + 6t + 2 = 0, t = sqrt(7) - 3, and beats the trivial rule', () => {
    const rule = threshold(optimalStableRule(1, { ...P, noiseScale: 1 }, 2));
    expect(rule.threshold).toBeCloseTo(Math.sqrt(7) - 3, 14);
    // Accuracies F(1 - t) and F(1 + t); the risk (2/3)(1 - 0.79761) + (1/3)(1 - 0.68248) = 0.2408 < 1/3.
    expect(rule.accMajority).toBeCloseTo(0.5 + Math.atan(4 - Math.sqrt(7)) / Math.PI, 14);
    expect(rule.accMinority).toBeCloseTo(0.5 + Math.atan(Math.sqrt(7) - 2) / Math.PI, 14);
    expect((2 / 3) * (1 - rule.accMajority) + (1 / 3) * (1 - rule.accMinority)).toBeLessThan(1 / 3);
  });

  it("at adgap's defaults R = 2 is an exact tie (t = -1/2: accuracies 3/4 and 1/2, risk 1/3 = the trivial rule's)", () => {
    expect(optimalStableRule(1, P, 2)).toEqual({ kind: 'undetermined', reason: 'tie' });
    const below = threshold(optimalStableRule(1, P, 1.999));
    expect(below.threshold).toBeCloseTo(-0.5, 2);
    expect(optimalStableRule(1, P, 2.001).kind).toBe('majority');
  });

  it('for R > 2 the standard rule is trivial: predict the majority everywhere', () => {
    for (const R of [3, 5, 10, 100]) expect(optimalStableRule(1, P, R).kind).toBe('majority');
  });

  it('the protocol radii (l2 70, linf 53) leave no margin: trivial for R > 1, undetermined at R = 1', () => {
    expect(stableSignal(1, P, { norm: 'linf', eps: 53 })).toBeLessThan(0);
    expect(optimalStableRule(1, P, 5, { norm: 'l2', eps: 70 }).kind).toBe('majority');
    expect(optimalStableRule(1, P, 1, { norm: 'l2', eps: 70 })).toEqual({
      kind: 'undetermined',
      reason: 'no margin',
    });
  });
});

describe('optimalStableRule, alpha = 1.5 (Holtsmark), numerical', () => {
  it('no threshold on a fine grid, nor the trivial rule, has a lower risk than the optimum', () => {
    for (const [R, attack] of [
      [2, undefined],
      [5, undefined],
      [9, undefined],
      [2, { norm: 'l2', eps: 2.94 }],
    ] as [number, Attack | undefined][]) {
      const rule = threshold(optimalStableRule(1.5, P, R, attack));
      const s = rule.signalAfterAttack;
      const p = R / (1 + R);
      const risk = (t: number) => p * stableCdf(t - s, 1.5) + (1 - p) * stableCdf(-t - s, 1.5);
      const optimum = risk(rule.threshold);
      expect(optimum).toBeLessThan(1 - p);
      for (let t = -15; t <= 1; t += 0.01) expect(risk(t)).toBeGreaterThanOrEqual(optimum - 1e-15);
    }
  });

  it('R = 5: threshold -0.99962, accuracies 0.92619 / 0.62947 (AD 0.2967)', () => {
    const rule = threshold(optimalStableRule(1.5, P, 5));
    expect(rule.threshold).toBeCloseTo(-0.999617, 5);
    expect(rule.accMajority).toBeCloseTo(0.926188, 5);
    expect(rule.accMinority).toBeCloseTo(0.629474, 5);
  });

  it('the standard rule turns trivial between R = 9.26 and 9.27; the robust rule (l2 2.94) at R = 2.74', () => {
    expect(optimalStableRule(1.5, P, 9.255).kind).toBe('threshold');
    expect(optimalStableRule(1.5, P, 9.265).kind).toBe('majority');
    expect(optimalStableRule(1.5, P, 2.73, { norm: 'l2', eps: 2.94 }).kind).toBe('threshold');
    expect(optimalStableRule(1.5, P, 2.745, { norm: 'l2', eps: 2.94 }).kind).toBe('majority');
  });

  it('predicted gaps: R = 2 l2 2.94 +0.1403, R = 5 robust trivial +0.7033, R = 10 both trivial 0', () => {
    const attack: Attack = { norm: 'l2', eps: 2.94 };
    expect(stableTheoryGaps(1.5, P, 2, attack)?.adGap).toBeCloseTo(0.1403, 4);
    const five = stableTheoryGaps(1.5, P, 5, attack);
    expect(five?.trivial).toEqual({ standard: false, robust: true });
    expect(five?.adGap).toBeCloseTo(1 - 0.296714, 5);
    expect(stableTheoryGaps(1.5, P, 10, attack)).toEqual({
      ad: 1,
      adGap: 0,
      accuracyGap: 0,
      trivial: { standard: true, robust: true },
    });
  });
});

describe('alpha = 2 with gamma = sigma / sqrt(2) is the Gaussian closed form of theory.ts', () => {
  it('gives the same AD and gaps, the degenerate largest radius included', () => {
    const gaussianScale: SyntheticParams = { ...P, noiseScale: P.noiseScale / Math.SQRT2 };
    for (const R of [1, 2, 5, 10])
      for (const attack of [
        { norm: 'l2', eps: 3.75 },
        { norm: 'linf', eps: 0.5 },
        { norm: 'l2', eps: 5 },
      ] as Attack[]) {
        const stable = stableTheoryGaps(2, gaussianScale, R, attack);
        const gaussian = theoryGaps(P, R, attack);
        if (gaussian === null) {
          expect(stable).toBeNull();
          continue;
        }
        if (stable === null) throw new Error(`R ${R} ${attack.norm} ${attack.eps}: no stable prediction`);
        // normalCdf, behind the closed form, is good to a fractional 1.2e-7.
        expect(Math.abs(stable.ad - gaussian.ad)).toBeLessThan(1e-6);
        expect(Math.abs(stable.adGap - gaussian.adGap)).toBeLessThan(1e-6);
        expect(Math.abs(stable.accuracyGap - gaussian.accuracyGap)).toBeLessThan(1e-6);
        expect(stable.trivial).toEqual(gaussian.trivial);
      }
  });
});

/**
 * Monte Carlo on adgap's own generator: each class's pool, projected on a direction w, classified by the
 * threshold rule, clean and under the exact worst-case attack (x - y eps w / ||w||_2 for l2, x - y eps sign(w)
 * for linf). Theory: clean accuracies F(s - t) and F(s + t), robust ones F(s' - t) and F(s' + t), with s and s'
 * of w (1_k: stableSignal; e_1 for Cauchy: a / gamma, the same: the optimal direction is not unique).
 */
describe('Monte Carlo: generated data classified by the rules match the predicted accuracies', () => {
  const n = 20_000;
  // 4 binomial standard errors per check: with the 16 checks below, a false alarm about once in 1,000 runs.
  const within = (correct: number, expected: number, what: string) => {
    const se = Math.sqrt((expected * (1 - expected)) / n);
    expect(Math.abs(correct / n - expected), what).toBeLessThan(4 * se);
  };

  function check(options: {
    group: 'cauchy' | 'holtsmark';
    alpha: number;
    params: SyntheticParams;
    R: number;
    attack: Attack;
    direction: number[];
    seed: number;
  }) {
    const { group, alpha, params, R, attack, direction, seed } = options;
    const rule = threshold(optimalStableRule(alpha, params, R, attack));
    const l1 = direction.reduce((s, w) => s + Math.abs(w), 0);
    const l2 = Math.hypot(...direction);
    const lAlpha = direction.reduce((s, w) => s + Math.abs(w) ** alpha, 0) ** (1 / alpha);
    const noiseUnit = params.noiseScale * lAlpha; // z = w.x / noiseUnit has noise S
    const attackShift = (attack.eps * (attack.norm === 'l2' ? l2 : l1)) / noiseUnit;
    const signal =
      direction.reduce((s, w, i) => s + w * (i < params.meanNonZero ? params.meanValue : 0), 0) / noiseUnit;
    const pools = syntheticPools(group, params, { train: n, validation: 0, test: 0 }, seed);
    pools.forEach((pool, cls) => {
      const y = cls === 0 ? 1 : -1;
      let clean = 0;
      let robust = 0;
      for (let i = 0; i < n; i++) {
        let dot = 0;
        for (let j = 0; j < params.dim; j++)
          dot += (direction[j] as number) * (pool.x[i * params.dim + j] as number);
        const z = dot / noiseUnit;
        // Correct: majority iff z > t; the attack moves z by attackShift toward the other class.
        if (z > rule.threshold === (y === 1)) clean++;
        if (z - y * attackShift > rule.threshold === (y === 1)) robust++;
      }
      const t = rule.threshold;
      const s = signal;
      const sAttacked = signal - attackShift;
      within(clean, stableCdf(s - y * t, alpha), `${group} class ${cls} clean`);
      within(robust, stableCdf(sAttacked - y * t, alpha), `${group} class ${cls} robust`);
      if (y === 1) expect(stableCdf(s - t, alpha)).toBeCloseTo(rule.accMajority, 12);
      else expect(stableCdf(s + t, alpha)).toBeCloseTo(rule.accMinority, 12);
    });
  }

  const ones = Array.from({ length: P.dim }, (_, i) => (i < P.meanNonZero ? 1 : 0));
  const firstCoordinate = Array.from({ length: P.dim }, (_, i) => (i === 0 ? 1 : 0));

  it('Holtsmark, R = 2, robust rule of l2 2.94 along 1_k', () => {
    check({
      group: 'holtsmark',
      alpha: 1.5,
      params: P,
      R: 2,
      attack: { norm: 'l2', eps: 2.94 },
      direction: ones,
      seed: 5,
    });
  });

  it('Holtsmark, R = 3, robust rule of linf 0.2775 along 1_k', () => {
    check({
      group: 'holtsmark',
      alpha: 1.5,
      params: P,
      R: 3,
      attack: { norm: 'linf', eps: 0.2775 },
      direction: ones,
      seed: 6,
    });
  });

  it('Cauchy, gamma = 1, R = 1.2, robust rule of linf 0.5, along 1_k and along e_1 alike', () => {
    const params = { ...P, noiseScale: 1 };
    for (const direction of [ones, firstCoordinate])
      check({
        group: 'cauchy',
        alpha: 1,
        params,
        R: 1.2,
        attack: { norm: 'linf', eps: 0.5 },
        direction,
        seed: 7,
      });
  });
});
