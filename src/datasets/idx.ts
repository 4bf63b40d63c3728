import { AdgapError } from '../errors.js';

/**
 * The IDX format of MNIST and Fashion-MNIST (yann.lecun.com/exdb/mnist): two zero bytes, a type code, the number
 * of dimensions, each dimension as a big-endian uint32, then the values row-major. Only unsigned bytes (type
 * 0x08) occur in these datasets, so only they are accepted.
 */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

export class IdxFormatError extends AdgapError {
  override readonly name = 'IdxFormatError';
}

export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  const fail = (what: string): never => {
    throw new IdxFormatError(`${name}: not a valid IDX file of unsigned bytes: ${what}`);
  };
  if (bytes.length < 4) fail(`${bytes.length} bytes, shorter than the 4-byte magic number`);
  const [z0, z1, type, ndims] = bytes as unknown as [number, number, number, number];
  const magic = `0x${[z0, z1, type, ndims].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  if (z0 !== 0 || z1 !== 0 || type !== UNSIGNED_BYTE || ndims < 1) {
    fail(`magic number ${magic}, expected 0x000008 followed by the number of dimensions`);
  }
  const dataStart = 4 + 4 * ndims;
  if (bytes.length < dataStart) fail(`truncated header: ${ndims} dimensions need ${dataStart} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== dataStart + count) {
    fail(
      `truncated or padded: ${bytes.length - dataStart} data bytes, shape [${shape.join(', ')}] needs ${count}`,
    );
  }
  return { shape, data: bytes.subarray(dataStart) };
}
