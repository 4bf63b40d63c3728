import { describe, expect, it } from 'vitest';
import { logGamma, stableAt, stableCdf, stableDensity } from '../../src/report/stable-distribution.js';
import { normalCdf } from '../../src/report/theory.js';

// The precision stable-distribution.ts states for every x: absolute error below 1e-13.
const PRECISION = 1e-13;

describe('logGamma', () => {
  it('matches Gamma at half-integers and integers', () => {
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
    expect(logGamma(1.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI) / 2), 13);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(logGamma(31)).toBeCloseTo(Math.log(2.6525285981219107e32), 12);
  });
});

describe('alpha = 1 (Cauchy): the closed form', () => {
  it('F(x) = 1/2 + atan(x) / pi at hand values', () => {
    expect(stableCdf(0, 1)).toBe(0.5);
    expect(stableCdf(1, 1)).toBeCloseTo(3 / 4, 15);
    expect(stableCdf(-1, 1)).toBeCloseTo(1 / 4, 15);
    expect(stableCdf(Math.sqrt(3), 1)).toBeCloseTo(5 / 6, 15);
    expect(stableCdf(1 / Math.sqrt(3), 1)).toBeCloseTo(2 / 3, 15);
    expect(stableDensity(0, 1)).toBeCloseTo(1 / Math.PI, 15);
    expect(stableDensity(1, 1)).toBeCloseTo(1 / (2 * Math.PI), 15);
  });
});

describe('alpha = 1.5 (Holtsmark)', () => {
  it('has density Gamma(1 + 1/alpha) / pi = Gamma(5/3) / pi at 0 and F(0) = 1/2', () => {
    expect(Math.abs(stableDensity(0, 1.5) - 0.28735275145216443)).toBeLessThan(PRECISION);
    expect(Math.abs(stableCdf(0, 1.5) - 0.5)).toBeLessThan(PRECISION);
  });

  it('matches 40-digit references in the body and in the tail', () => {
    // [x, F(x), f(x)], computed with mpmath at 40 digits two ways that agree to 20 digits (here the nearest
    // doubles): the entire power series F(x) = 1/2 + (1/(pi alpha)) sum_k (-1)^k Gamma((2k+1)/alpha) / (2k+1)!
    // x^(2k+1) (and its derivative), and Gil-Pelaez quadrature of exp(-t^1.5); scipy.stats.levy_stable agrees
    // to its own precision (~1e-8).
    const references: [number, number, number][] = [
      [0.5, 0.6394042264812716, 0.26229684035409],
      [1, 0.7563420243992705, 0.20203815960784013],
      [2, 0.8949601703451708, 0.08453962312613753],
      [3, 0.9484021964408149, 0.03150942361632494],
      [5, 0.9793309128598838, 0.007111736047654807],
      [10, 0.9933601908022315, 0.0010477760249294405],
      [-2, 0.10503982965482916, 0.08453962312613753],
      // Beyond |x| = 12: the asymptotic tail series.
      [20, 1 - 0.0022705530399513485, 0.00017336690689247097],
      [-50, 0.0005667459353103909, 1.7079364753434623e-5],
      [100, 1 - 0.0001997898864264916, 3.001636034771775e-6],
    ];
    for (const [x, cdf, density] of references) {
      expect(Math.abs(stableCdf(x, 1.5) - cdf), `F(${x})`).toBeLessThan(PRECISION);
      expect(Math.abs(stableDensity(x, 1.5) - density), `f(${x})`).toBeLessThan(PRECISION);
    }
  });

  it('the quadrature and the tail series meet at |x| = 12 (F continuous, f its derivative)', () => {
    const h = 1e-4;
    for (const x of [12 - h, 12 + h, -12 - h]) {
      const slope = (stableCdf(x + h, 1.5) - stableCdf(x - h, 1.5)) / (2 * h);
      expect(Math.abs(slope - stableDensity(x, 1.5))).toBeLessThan(1e-9);
    }
  });
});

describe('alpha = 2: the normal law with variance 2', () => {
  it('has density exp(-x^2/4) / sqrt(4 pi) and F(x) = Phi(x / sqrt 2)', () => {
    for (const x of [0, 0.7, -1.5, 3, 8, 11.9, 12.5, -20]) {
      const { cdf, density } = stableAt(x, 2);
      expect(Math.abs(density - Math.exp((-x * x) / 4) / Math.sqrt(4 * Math.PI))).toBeLessThan(PRECISION);
      // normalCdf itself is good to a fractional 1.2e-7 (theory.ts).
      expect(Math.abs(cdf - normalCdf(x / Math.SQRT2))).toBeLessThan(2e-7);
    }
  });
});

it('rejects alpha outside [1, 2]', () => {
  expect(() => stableCdf(0, 0.5)).toThrow(/alpha must be in \[1, 2\], got 0.5/);
  expect(() => stableDensity(0, 2.5)).toThrow(/alpha/);
});
