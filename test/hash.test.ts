import { describe, expect, it } from 'vitest';
import { sha256Hex, shortHash } from '../src/hash.js';

describe('sha256Hex', () => {
  it("gives FIPS 180-2's digest of 'abc', the same for its bytes and its string", () => {
    const digest = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(sha256Hex('abc')).toBe(digest);
    expect(sha256Hex(new Uint8Array([0x61, 0x62, 0x63]))).toBe(digest);
  });
});

describe('shortHash', () => {
  it('is the start of the sha256 of the canonical JSON, whatever the key order', () => {
    expect(shortHash({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe(
      sha256Hex('{"a":[2,{"c":4,"d":3}],"b":1}').slice(0, 8),
    );
  });
});
