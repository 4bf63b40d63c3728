import { describe, expect, it } from 'vitest';
import { Random } from '../src/random.js';

// xoroshiro128+ (a = 24, b = 16, c = 37) written from its authors' 64-bit reference, in BigInt, with the same seed
// spreading as src/random.ts. It keeps every stream (weights, batches, attack noise, data) unchanged across
// upgrades of the generator library, which stores the state as four 32-bit words.
const MASK = (1n << 64n) - 1n;
const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (64n - k))) & MASK;

class Reference {
  constructor(
    private s0: bigint,
    private s1: bigint,
  ) {}

  static seeded(seed: number): Reference {
    let counter = seed | 0;
    const word = () => {
      counter = (counter + 0x9e3779b9) | 0;
      let z = counter;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return BigInt((z ^ (z >>> 16)) >>> 0);
    };
    // The four words are (high, low) of s0, then (high, low) of s1.
    const [h0, l0, h1, l1] = [word(), word(), word(), word()];
    return new Reference((h0 << 32n) | l0, (h1 << 32n) | l1);
  }

  next(): bigint {
    const result = (this.s0 + this.s1) & MASK;
    const s1 = this.s1 ^ this.s0;
    this.s0 = rotl(this.s0, 24n) ^ s1 ^ ((s1 << 16n) & MASK);
    this.s1 = rotl(s1, 37n);
    return result;
  }

  /** 2^64 calls to next(). */
  jump(): void {
    let t0 = 0n;
    let t1 = 0n;
    for (const polynomial of [0xdf900294d8f554a5n, 0x170865df4b3201fcn]) {
      for (let bit = 0n; bit < 64n; bit++) {
        if ((polynomial >> bit) & 1n) {
          t0 ^= this.s0;
          t1 ^= this.s1;
        }
        this.next();
      }
    }
    this.s0 = t0;
    this.s1 = t1;
  }

  /** Random.uniform: 27 high bits of one output's low word, then 26 of the next one's. */
  uniform(): number {
    const high = Number((this.next() & 0xffffffffn) >> 5n);
    const low = Number((this.next() & 0xffffffffn) >> 6n);
    return (high * 2 ** 26 + low) / 2 ** 53;
  }
}

describe('Random', () => {
  it.each([
    [0, 0],
    [7, 2],
    [-3, 3],
    [123456, 1],
  ])('stream %i/%i draws what xoroshiro128+ computes from the spread seed', (seed, k) => {
    const reference = Reference.seeded(seed);
    for (let i = 0; i < k; i++) reference.jump();
    const random = Random.stream(seed, k);
    const expected = Array.from({ length: 8 }, () => reference.uniform());
    expect(Array.from({ length: 8 }, () => random.uniform())).toEqual(expected);
  });
});
