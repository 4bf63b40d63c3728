import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

/**
 * adgap's seeded generator. One seed gives independent streams (xoroshiro128+ jumps of 2^64 draws apart),
 * so initial weights, batch order and attack noise of a run never share draws, and runs that differ only in
 * learning rate or training mode see the same weights and batches (protocol.md).
 */
export class Random {
  private constructor(private generator: JumpableRandomGenerator) {}

  static fromSeed(seed: number): Random {
    return new Random(seededGenerator(seed));
  }

  /** The k-th independent stream of a seed (k >= 0). */
  static stream(seed: number, k: number): Random {
    const generator = seededGenerator(seed);
    for (let i = 0; i < k; i++) generator.jump();
    return new Random(generator);
  }

  /**
   * The generator's state (xoroshiro128+ as four 32-bit words, in pure-rand's getState order), for an engine
   * that draws the same stream natively (src/train/engines/cuda/cell.cu) from where this one stands.
   */
  state(): Uint32Array {
    return Uint32Array.from(this.generator.getState());
  }

  /** Continues from `state` (state()'s words): where an engine that drew this stream natively left it. */
  restore(state: Uint32Array): void {
    this.generator = xoroshiro128plusFromState([...state]);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const high = (this.generator.next() >>> 0) >>> 5; // 27 bits
    const low = (this.generator.next() >>> 0) >>> 6; // 26 bits
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
 * pure-rand's xoroshiro128plus(seed) starts from the state (-1, ~seed, seed, 0), whose first outputs are close to
 * 2^32 - 1 for every seed (the first uniform() of stream 0 is 0.99999999999988 for seed 0, which made a Cauchy draw
 * of 5e12). As the xoroshiro authors advise, the seed is spread over the 128-bit state by a SplitMix-style
 * generator (golden-ratio counter, murmur3 finaliser: a bijection, so the four words are distinct, never all zero).
 */
function seededGenerator(seed: number): JumpableRandomGenerator {
  let counter = seed | 0;
  const next = () => {
    counter = (counter + 0x9e3779b9) | 0;
    let z = counter;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) | 0;
  };
  return xoroshiro128plusFromState([next(), next(), next(), next()]);
}

/**
 * Stream numbers of a training seed (protocol.md: one seed fixes all three). Robust evaluation's PGD starts
 * draw from a fourth stream, so evaluating never shifts what training saw.
 */
export const TrainingStream = { init: 0, batches: 1, attack: 2, evaluation: 3 } as const;
