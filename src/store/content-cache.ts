import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdgapError, ValidationError } from '../errors.js';
import { sha256Hex } from '../hash.js';
import { makeFolders } from './make-folders.js';
import type { ObjectStore } from './object-store.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A store object whose bytes do not have the sha256 its reader expected (a stale or corrupted dataset). */
export class ChecksumMismatchError extends AdgapError {
  override readonly name = 'ChecksumMismatchError';
  constructor(
    readonly storeUri: string,
    readonly key: string,
    readonly expectedSha256: string,
    readonly actualSha256: string,
  ) {
    super(`object '${key}' in store ${storeUri} has sha256 ${actualSha256}, expected ${expectedSha256}`);
  }
}

/**
 * Store objects kept on local disk under their sha256, so that the many runs of one job (and every job on one
 * machine) download a dataset once. The name is the content's hash, so a cached file never goes stale; every
 * read is still checked against it, because a half-copied or damaged cache folder must not feed a run wrong data.
 */
export class ContentCache {
  constructor(readonly folder: string) {}

  /** The object's bytes, verified to have this sha256 (lowercase hex); from disk when already cached. */
  async get(store: ObjectStore, key: string, sha256: string): Promise<Uint8Array> {
    if (!SHA256_HEX.test(sha256))
      throw new ValidationError('sha256', `'${sha256}' is not 64 lowercase hex digits`);
    const path = join(this.folder, sha256.slice(0, 2), sha256);
    const cached = await readIfPresent(path);
    if (cached !== undefined && sha256Hex(cached) === sha256) return cached;

    const bytes = await store.get(key);
    const actual = sha256Hex(bytes);
    if (actual !== sha256) throw new ChecksumMismatchError(store.uri, key, sha256, actual);
    await writeAtomically(path, bytes);
    return bytes;
  }
}

async function readIfPresent(path: string): Promise<Uint8Array | undefined> {
  try {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Temporary name, then rename: concurrent runs filling the same entry each leave a whole file. */
async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  await makeFolders(join(path, '..'));
  const temp = `${path}.${randomBytes(6).toString('hex')}.partial`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
