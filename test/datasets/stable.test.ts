import { describe, expect, it } from 'vitest';
import { sampleSymmetricStable } from '../../src/datasets/stable.js';
import { Random } from '../../src/random.js';

const DRAWS = 20_000;
// One-sample Kolmogorov-Smirnov critical value at the 1% level for large n.
const KS_CRITICAL_1PCT = 1.63 / Math.sqrt(DRAWS);

function draws(alpha: number, gamma: number, seed: number): number[] {
  const random = Random.fromSeed(seed);
  return Array.from({ length: DRAWS }, () => sampleSymmetricStable(random, alpha, gamma));
}

function ksDistance(sample: number[], cdf: (x: number) => number): number {
  const sorted = [...sample].sort((a, b) => a - b);
  let d = 0;
  sorted.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, Math.abs(f - i / sorted.length), Math.abs((i + 1) / sorted.length - f));
  });
  return d;
}

/** erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7, far under the KS threshold). */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return Math.sign(x) * (1 - poly * Math.exp(-x * x));
}

describe('sampleSymmetricStable', () => {
  it('alpha = 1 matches the Cauchy CDF 1/2 + atan(x / gamma) / pi in Kolmogorov-Smirnov distance', () => {
    const gamma = 2;
    const d = ksDistance(draws(1, gamma, 11), (x) => 0.5 + Math.atan(x / gamma) / Math.PI);
    expect(d).toBeLessThan(KS_CRITICAL_1PCT);
  });

  it('alpha = 2 matches the normal with variance 2 gamma^2 in Kolmogorov-Smirnov distance', () => {
    const gamma = 1.5;
    const sd = Math.SQRT2 * gamma;
    const d = ksDistance(draws(2, gamma, 12), (x) => 0.5 * (1 + erf(x / (sd * Math.SQRT2))));
    expect(d).toBeLessThan(KS_CRITICAL_1PCT);
  });

  it('alpha = 1.5 (Holtsmark) has the characteristic function exp(-|gamma t|^1.5)', () => {
    const gamma = 2;
    const sample = draws(1.5, gamma, 13);
    // The empirical mean of cos(tX) has standard deviation at most sqrt(1 / (2n)) = 0.005; 0.02 is four of them.
    const tolerance = 0.02;
    for (const t of [0.05, 0.1, 0.25, 0.5, 1]) {
      const empirical = sample.reduce((s, x) => s + Math.cos(t * x), 0) / DRAWS;
      expect(Math.abs(empirical - Math.exp(-(Math.abs(gamma * t) ** 1.5)))).toBeLessThan(tolerance);
    }
  });
});
