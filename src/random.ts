import { xoroshiro128plus } from 'pure-rand/generator/XoroShiro';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * adgap's seeded generator. One seed gives independent streams (xoroshiro128+ jumps of 2^64 draws apart),
 * so initial weights, batch order and attack noise of a run never share draws, and runs that differ only in
 * learning rate or training mode see the same weights and batches (protocol.md).
 */
export class Random {
  private constructor(private readonly generator: RandomGenerator) {}

  static fromSeed(seed: number): Random {
    return new Random(xoroshiro128plus(seed));
  }

  /** The k-th independent stream of a seed (k >= 0). */
  static stream(seed: number, k: number): Random {
    const generator = xoroshiro128plus(seed);
    for (let i = 0; i < k; i++) generator.unsafeJump?.();
    return new Random(generator);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const high = (this.generator.unsafeNext() >>> 0) >>> 5; // 27 bits
    const low = (this.generator.unsafeNext() >>> 0) >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform in the open interval (0, 1), for inverse-CDF and log transforms. */
  uniformOpen(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    return u;
  }

  /** Standard normal by Box-Muller (one of the pair is used, keeping the stream position simple). */
  normal(): number {
    const u1 = this.uniformOpen();
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i] as number;
      p[i] = p[j] as number;
      p[j] = t;
    }
    return p;
  }
}

/**
 * Stream numbers of a training seed (protocol.md: one seed fixes all three). Robust evaluation's PGD starts
 * draw from a fourth stream, so evaluating never shifts what training saw.
 */
export const TrainingStream = { init: 0, batches: 1, attack: 2, evaluation: 3 } as const;
