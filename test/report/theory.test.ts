import { describe, expect, it } from 'vitest';
import { DEFAULT_SYNTHETIC_PARAMS } from '../../src/datasets/types.js';
import { Random } from '../../src/random.js';
import { type Attack, normalCdf, optimalLinearRule, theoryGaps } from '../../src/report/theory.js';

const P = DEFAULT_SYNTHETIC_PARAMS; // mu = 25 ones then 75 zeros, sigma = 2: ||mu||_2 = 5, ||mu||_1 = 25

describe('normalCdf', () => {
  it('matches tabulated values of the standard normal CDF', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021, 6);
    expect(normalCdf(2.5)).toBeCloseTo(0.9937903, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.1586553, 6);
  });
});

describe('optimalLinearRule', () => {
  it('standard, R = 10: threshold -sigma^2 ln 10 / (2 * 5) = -0.9210 and accuracies Phi(2.9605), Phi(2.0395)', () => {
    const rule = optimalLinearRule(P, 10);
    if (rule.kind !== 'threshold') throw new Error(rule.kind);
    expect(rule.thresholdZ).toBeCloseTo(-0.921034, 5);
    expect(rule.accMajority).toBeCloseTo(0.998464, 5);
    expect(rule.accMinority).toBeCloseTo(0.979299, 5);
  });

  it('l2 3.75 and linf 0.75 both leave a margin of 1.25 (eps and eps * ||mu||_1 / ||mu||_2 = 5 eps)', () => {
    for (const attack of [
      { norm: 'l2', eps: 3.75 },
      { norm: 'linf', eps: 0.75 },
    ] as Attack[]) {
      const rule = optimalLinearRule(P, 10, attack);
      if (rule.kind !== 'threshold') throw new Error(rule.kind);
      expect(rule.marginAfterAttack).toBeCloseTo(1.25, 12);
      // t = -4 ln 10 / 2.5 = -3.6841; minority accuracy Phi((5 - 3.6841) / 2) = Phi(0.6579) = 0.74471
      expect(rule.thresholdZ).toBeCloseTo(-3.684136, 5);
      expect(rule.accMinority).toBeCloseTo(0.744709, 5);
    }
  });

  it('at the largest radius the eps-balls touch: majority everywhere for R > 1, undetermined at R = 1', () => {
    expect(optimalLinearRule(P, 5, { norm: 'l2', eps: 5 }).kind).toBe('majority');
    expect(optimalLinearRule(P, 5, { norm: 'linf', eps: 1 }).kind).toBe('majority');
    expect(optimalLinearRule(P, 1, { norm: 'l2', eps: 5 }).kind).toBe('undetermined');
  });
});

describe('theoryGaps', () => {
  it('R = 1 is symmetric: no gap of AD below the largest radius, and a gap of accuracy from the margin alone', () => {
    const gaps = theoryGaps(P, 1, { norm: 'l2', eps: 2.5 });
    expect(gaps?.adGap).toBeCloseTo(0, 12);
    // Phi(2.5) - Phi(2.5): the threshold stays at 0, the direction stays mu, so the clean accuracy is unchanged.
    expect(gaps?.accuracyGap).toBeCloseTo(0, 12);
  });

  it('R = 10, l2 3.75: gap of AD 0.2553 - 0.0192 = 0.2361, gap of accuracy 0.0199 (hand-computed)', () => {
    const gaps = theoryGaps(P, 10, { norm: 'l2', eps: 3.75 });
    expect(gaps?.ad).toBeCloseTo(0.255284, 5);
    expect(gaps?.adGap).toBeCloseTo(0.236119, 5);
    expect(gaps?.accuracyGap).toBeCloseTo(0.019937, 5);
  });

  it('R = 10 at the largest radius: AD 1, gap of AD 1 - 0.0192, gap of accuracy = standard accuracy - 10/11', () => {
    const gaps = theoryGaps(P, 10, { norm: 'linf', eps: 1 });
    expect(gaps?.ad).toBe(1);
    expect(gaps?.adGap).toBeCloseTo(0.980835, 5);
    expect(gaps?.accuracyGap).toBeCloseTo(0.087631, 5);
  });

  it('gap of AD grows with R and with the radius', () => {
    const gap = (R: number, eps: number) => theoryGaps(P, R, { norm: 'l2', eps })?.adGap ?? Number.NaN;
    expect(gap(2, 2.5)).toBeLessThan(gap(5, 2.5));
    expect(gap(5, 2.5)).toBeLessThan(gap(10, 2.5));
    expect(gap(10, 2.5)).toBeLessThan(gap(10, 3.75));
  });
});

/** Robust 0-1 risk of a linear rule sign(w.x + b) under the exact worst-case lp attack, in closed form. */
function robustRisk(w: number[], b: number, R: number, attack: Attack): number {
  const mu = w.map((_, i) => (i < P.meanNonZero ? P.meanValue : 0));
  const dot = w.reduce((s, wi, i) => s + wi * (mu[i] as number), 0);
  const l2 = Math.hypot(...w);
  const dual = attack.norm === 'l2' ? l2 : w.reduce((s, wi) => s + Math.abs(wi), 0);
  const sigma = P.noiseScale * l2;
  const p = R / (1 + R);
  return (
    p * normalCdf((attack.eps * dual - dot - b) / sigma) +
    (1 - p) * normalCdf((attack.eps * dual - dot + b) / sigma)
  );
}

describe('the closed form is the optimum', () => {
  const R = 5;
  const attack: Attack = { norm: 'linf', eps: 0.5 };
  const rule = optimalLinearRule(P, R, attack);
  if (rule.kind !== 'threshold') throw new Error(rule.kind);
  const unit = Array.from({ length: P.dim }, (_, i) =>
    i < P.meanNonZero ? 1 / Math.sqrt(P.meanNonZero) : 0,
  );
  const optimum = robustRisk(unit, -rule.thresholdZ, R, attack);

  it('no perturbed direction or threshold has a lower robust risk', () => {
    const random = Random.fromSeed(7);
    for (let trial = 0; trial < 200; trial++) {
      const w = unit.map((u) => u + 0.05 * random.normal());
      const b = -rule.thresholdZ * Math.hypot(...w) + 0.2 * random.normal();
      expect(robustRisk(w, b, R, attack)).toBeGreaterThanOrEqual(optimum);
    }
  });

  it('the scale 2m/sigma^2 and bias ln R zero the gradient of the population adversarial cross-entropy', () => {
    // On z = w.x with y z ~ N(m', sigma^2) after the attack: the loss is E log(1 + exp(-(s y z + y b))).
    const m = rule.marginAfterAttack;
    const sigma = P.noiseScale;
    const s = (2 * m) / (sigma * sigma);
    const b = Math.log(R);
    let gradS = 0;
    let gradB = 0;
    const h = 1e-3;
    for (const [y, prior] of [
      [1, R / (1 + R)],
      [-1, 1 / (1 + R)],
    ] as const) {
      for (let g = -10; g <= 10; g += h) {
        const yz = m + sigma * g; // y * z of the attacked sample
        const density = (Math.exp((-g * g) / 2) / Math.sqrt(2 * Math.PI)) * h;
        const u = s * yz + y * b;
        const weight = prior * density * (-1 / (1 + Math.exp(u)));
        gradS += weight * yz;
        gradB += weight * y;
      }
    }
    expect(Math.abs(gradS)).toBeLessThan(1e-6);
    expect(Math.abs(gradB)).toBeLessThan(1e-6);
  });

  it('Monte Carlo: sampled mixture points classified by the rule match the predicted clean accuracies', () => {
    const random = Random.fromSeed(11);
    const n = 40_000;
    const correct = [0, 0];
    for (const [cls, sign] of [
      [0, 1],
      [1, -1],
    ] as const) {
      for (let i = 0; i < n; i++) {
        let z = 0;
        for (let d = 0; d < P.dim; d++) {
          const x = (d < P.meanNonZero ? sign * P.meanValue : 0) + P.noiseScale * random.normal();
          z += (unit[d] as number) * x;
        }
        if (z > rule.thresholdZ === (cls === 0)) correct[cls] = (correct[cls] as number) + 1;
      }
    }
    // 4 binomial standard errors: the check fails by chance about once in 15,000 runs.
    for (const [cls, expected] of [
      [0, rule.accMajority],
      [1, rule.accMinority],
    ] as const) {
      const se = Math.sqrt((expected * (1 - expected)) / n);
      expect(Math.abs((correct[cls] as number) / n - expected)).toBeLessThan(4 * se);
    }
  });
});
