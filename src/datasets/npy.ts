import { AdgapError } from '../errors.js';

/**
 * The NumPy `.npy` format, version 1.0 (numpy.lib.format), for the two dtypes adgap stores: uint8 ('|u1')
 * and little-endian float32 ('<f4'). Written here rather than taken from a library because the format is a
 * dozen lines and the header bytes must be exactly reproducible (prepared datasets are byte-identical).
 */
export type NpyDtype = 'uint8' | 'float32';
export type NpyData = Uint8Array | Float32Array;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const DESCR: Record<NpyDtype, string> = { uint8: '|u1', float32: '<f4' };
const PREAMBLE_BYTES = 10; // magic (6), version (2), header length (2)
// numpy pads the header so the data start on a 64-byte boundary; we do the same so float32 data are aligned.
const ALIGN = 64;

export class NpyFormatError extends AdgapError {
  override readonly name = 'NpyFormatError';
}

export function dtypeOf(data: NpyData): NpyDtype {
  return data instanceof Uint8Array ? 'uint8' : 'float32';
}

export function encodeNpy(data: NpyData, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw new Error(`npy: shape [${shape.join(', ')}] does not match ${data.length} values`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${DESCR[dtypeOf(data)]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const headerBytes = Math.ceil((PREAMBLE_BYTES + dict.length + 1) / ALIGN) * ALIGN - PREAMBLE_BYTES;
  const header = `${dict.padEnd(headerBytes - 1, ' ')}\n`;
  const out = new Uint8Array(PREAMBLE_BYTES + headerBytes + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, headerBytes, true);
  out.set(new TextEncoder().encode(header), PREAMBLE_BYTES);
  const payload = PREAMBLE_BYTES + headerBytes;
  if (data instanceof Uint8Array) out.set(data, payload);
  else {
    const view = new DataView(out.buffer, payload);
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i] as number, true);
  }
  return out;
}

export interface DecodedNpy {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

/** Parses a file written by encodeNpy (or NumPy, for these two dtypes); `name` goes into error messages. */
export function decodeNpy(bytes: Uint8Array, name: string): DecodedNpy {
  const fail = (what: string): never => {
    throw new NpyFormatError(`${name}: not a readable .npy file (${what})`);
  };
  if (bytes.length < PREAMBLE_BYTES || MAGIC.some((b, i) => bytes[i] !== b)) fail('no \\x93NUMPY magic');
  if (bytes[6] !== 1) fail(`format version ${bytes[6]}.${bytes[7]}, expected 1.0`);
  const headerBytes = new DataView(bytes.buffer, bytes.byteOffset).getUint16(8, true);
  const payload = PREAMBLE_BYTES + headerBytes;
  if (bytes.length < payload) fail('truncated header');
  const header = new TextDecoder().decode(bytes.subarray(PREAMBLE_BYTES, payload));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const dtype = (Object.keys(DESCR) as NpyDtype[]).find((d) => DESCR[d] === descr);
  if (!dtype) return fail(`dtype '${descr}', expected one of ${Object.values(DESCR).join(', ')}`);
  if (!/'fortran_order':\s*False/.test(header)) fail('Fortran order is not supported');
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (shapeText === undefined) return fail('no shape in header');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.some((n) => !Number.isInteger(n) || n < 0)) fail(`bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const itemBytes = dtype === 'uint8' ? 1 : 4;
  if (bytes.length !== payload + count * itemBytes) {
    fail(`${bytes.length - payload} data bytes, shape [${shape.join(', ')}] needs ${count * itemBytes}`);
  }
  if (dtype === 'uint8') return { dtype, shape, data: bytes.slice(payload) };
  const view = new DataView(bytes.buffer, bytes.byteOffset + payload);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
  return { dtype, shape, data };
}
