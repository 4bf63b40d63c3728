import { AdgapError } from '../errors.js';
import type { LabelledImages } from './image-pools.js';

/**
 * The CIFAR-10 binary version (www.cs.toronto.edu/~kriz/cifar.html): each batch file is a sequence of
 * 3073-byte records, one label byte (0-9) then 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each
 * row-major 32x32), which is already the [3, 32, 32] channel-first layout adgap stores.
 */
export const CIFAR_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
/** The md5 published on the CIFAR page for the binary archive. */
export const CIFAR_ARCHIVE_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
export const CIFAR_ARCHIVE_NAME = 'cifar-10-binary.tar.gz';
export const CIFAR_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR_TEST_FILE = 'test_batch.bin';

const IMAGE_BYTES = 3072;
const RECORD_BYTES = 1 + IMAGE_BYTES;

export class CifarFormatError extends AdgapError {
  override readonly name = 'CifarFormatError';
}

export function parseCifarBatch(bytes: Uint8Array, name: string): LabelledImages {
  if (bytes.length === 0 || bytes.length % RECORD_BYTES !== 0) {
    throw new CifarFormatError(
      `${name}: not a valid CIFAR-10 binary batch: ${bytes.length} bytes is not a whole number of ${RECORD_BYTES}-byte records (truncated file?)`,
    );
  }
  const count = bytes.length / RECORD_BYTES;
  const labels = new Uint8Array(count);
  const images = new Uint8Array(count * IMAGE_BYTES);
  for (let i = 0; i < count; i++) {
    const label = bytes[i * RECORD_BYTES] as number;
    if (label > 9) {
      throw new CifarFormatError(
        `${name}: not a valid CIFAR-10 binary batch: record ${i} has label byte ${label} (allowed 0-9)`,
      );
    }
    labels[i] = label;
    images.set(bytes.subarray(i * RECORD_BYTES + 1, (i + 1) * RECORD_BYTES), i * IMAGE_BYTES);
  }
  return { labels, images };
}

/** Concatenates batches in the given order (data_batch_1 .. 5 form the training set). */
export function concatBatches(batches: LabelledImages[]): LabelledImages {
  const count = batches.reduce((n, b) => n + b.labels.length, 0);
  const labels = new Uint8Array(count);
  const images = new Uint8Array(count * IMAGE_BYTES);
  let at = 0;
  for (const b of batches) {
    labels.set(b.labels, at);
    images.set(b.images, at * IMAGE_BYTES);
    at += b.labels.length;
  }
  return { labels, images };
}
