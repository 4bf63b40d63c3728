import type { Random } from '../random.js';

/**
 * One draw of a symmetric alpha-stable variable with scale gamma, characteristic function exp(-|gamma t|^alpha),
 * by the Chambers-Mallows-Stuck method (Chambers, Mallows and Stuck 1976; Weron 1996, beta = 0):
 *   V ~ Uniform(-pi/2, pi/2), W ~ Exp(1),
 *   X = sin(alpha V) / cos(V)^(1/alpha) * (cos((1 - alpha) V) / W)^((1 - alpha) / alpha),
 * which for alpha = 1 reduces to tan(V) (Cauchy) and for alpha = 2 to 2 sin(V) sqrt(W) ~ N(0, 2).
 * alpha = 1.5 is the Holtsmark distribution.
 */
export function sampleSymmetricStable(random: Random, alpha: number, gamma: number): number {
  // uniformOpen keeps V strictly inside (-pi/2, pi/2) and W finite and positive.
  const v = Math.PI * (random.uniformOpen() - 0.5);
  const w = -Math.log(random.uniformOpen());
  if (alpha === 1) return gamma * Math.tan(v);
  const x =
    (Math.sin(alpha * v) / Math.cos(v) ** (1 / alpha)) *
    (Math.cos((1 - alpha) * v) / w) ** ((1 - alpha) / alpha);
  return gamma * x;
}
