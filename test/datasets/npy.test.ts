import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from '../../src/datasets/npy.js';

describe('npy', () => {
  it('writes a NumPy 1.0 header with dtype, C order and shape, padded to 64 bytes', () => {
    const bytes = encodeNpy(new Float32Array(6), [2, 3]);
    const headerLength = new DataView(bytes.buffer).getUint16(8, true);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
    expect([...bytes.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    expect(header).toBe(
      `${"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".padEnd(headerLength - 1)}\n`,
    );
    expect((10 + headerLength) % 64).toBe(0);
    expect(bytes.length).toBe(10 + headerLength + 6 * 4);
  });

  it('writes a one-dimensional shape as a one-element tuple', () => {
    const header = new TextDecoder().decode(encodeNpy(new Uint8Array(4), [4]).subarray(10));
    expect(header).toContain(`'descr': '|u1'`);
    expect(header).toContain(`'shape': (4,)`);
  });

  it('reads back what it writes, float32 little-endian and uint8', () => {
    const floats = new Float32Array([1.5, -2.25, 3e-8, 1e30]);
    const decoded = decodeNpy(encodeNpy(floats, [2, 2]), 'f.npy');
    expect(decoded).toEqual({ dtype: 'float32', shape: [2, 2], data: floats });
    const file = encodeNpy(floats, [4]);
    expect(new DataView(file.buffer).getFloat32(file.length - 16, true)).toBe(1.5);
    const bytes = new Uint8Array([0, 255, 7]);
    expect(decodeNpy(encodeNpy(bytes, [3]), 'u.npy')).toEqual({ dtype: 'uint8', shape: [3], data: bytes });
  });

  it('rejects a truncated file, naming it', () => {
    const bytes = encodeNpy(new Float32Array(10), [10]);
    expect(() => decodeNpy(bytes.subarray(0, bytes.length - 3), 'train-x.npy')).toThrow(
      /train-x\.npy: not a readable \.npy file \(37 data bytes, shape \[10\] needs 40\)/,
    );
  });

  it('rejects a file without the NumPy magic', () => {
    expect(() => decodeNpy(new Uint8Array(80), 'y.npy')).toThrow(/y\.npy: .*magic/);
  });
});
