import { describe, expect, it } from 'vitest';
import { parseCifarBatch } from '../../src/datasets/cifar.js';
import { cifarBatch } from './fixtures.js';

describe('parseCifarBatch', () => {
  it('splits records into labels and channel-first images', () => {
    const batch = cifarBatch([3, 5, 0], (r, i) => (r * 7 + i) % 256);
    const parsed = parseCifarBatch(batch, 'data_batch_1.bin');
    expect([...parsed.labels]).toEqual([3, 5, 0]);
    expect(parsed.images.length).toBe(3 * 3072);
    expect(parsed.images[3072 + 1025]).toBe((7 + 1025) % 256);
  });

  it('rejects a truncated batch, naming it', () => {
    const batch = cifarBatch([3, 5], () => 1);
    expect(() => parseCifarBatch(batch.subarray(0, 5000), 'test_batch.bin')).toThrow(
      /test_batch\.bin: .*5000 bytes is not a whole number of 3073-byte records \(truncated file\?\)/,
    );
  });

  it('rejects a label byte outside 0-9', () => {
    const batch = cifarBatch([3, 12], () => 1);
    expect(() => parseCifarBatch(batch, 'data_batch_2.bin')).toThrow(
      /data_batch_2\.bin: .*record 1 has label byte 12/,
    );
  });
});
