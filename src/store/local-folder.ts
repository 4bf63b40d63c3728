import { randomBytes } from 'node:crypto';
import { link, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AdgapError } from '../errors.js';
import { systemCause } from '../system-error.js';
import { makeFolders } from './make-folders.js';
import {
  assertKey,
  type ListPage,
  ObjectExistsError,
  type ObjectInfo,
  ObjectNotFoundError,
  type ObjectStore,
} from './object-store.js';

const TEMP_SUFFIX = '.partial';

/**
 * A temporary file older than this was left by a writer that died (killed, or a crash the put could not clean
 * up after): the next listing of its folder removes it. No live put takes an hour (a dataset array is written
 * in seconds), so a live writer's file is never touched. (On S3 the bucket's lifecycle rule aborts incomplete
 * multipart uploads after 2 days, infra/storage.ts.)
 */
export const STALE_PARTIAL_MS = 60 * 60 * 1000;

/**
 * A local folder as an object store. Writes go to a temporary file first and are renamed (or, for write-once
 * puts, hard-linked, which fails atomically if the name exists) so a crash never leaves half an object.
 */
export class LocalFolderStore implements ObjectStore {
  readonly uri: string;
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.uri = pathToFileURL(this.root).href;
  }

  private path(key: string): string {
    assertKey(key);
    return join(this.root, ...key.split('/'));
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(this.path(key)));
    } catch (error) {
      if (isCode(error, 'ENOENT') || isCode(error, 'EISDIR')) throw new ObjectNotFoundError(this.uri, key);
      throw this.environmentError('read', key, error);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const info = await stat(this.path(key));
      return info.isFile() ? { key, size: info.size } : undefined;
    } catch (error) {
      if (isCode(error, 'ENOENT')) return undefined;
      throw error;
    }
  }

  async put(key: string, body: Uint8Array | string, options?: { ifAbsent?: boolean }): Promise<void> {
    const target = this.path(key);
    const temp = `${target}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
    try {
      await makeFolders(dirname(target));
      // Inside the try: a write that fails half-way (a full disk) must not leave its temporary file behind.
      await writeFile(temp, body);
      if (options?.ifAbsent) {
        try {
          await link(temp, target);
        } catch (error) {
          if (isCode(error, 'EEXIST')) throw new ObjectExistsError(this.uri, key);
          throw error;
        }
        await unlink(temp);
      } else {
        await rename(temp, target);
      }
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw this.environmentError('write', key, error);
    }
  }

  /** A full disk or a read-only folder, named with the key and the store; other errors unchanged. */
  private environmentError(action: string, key: string, error: unknown): unknown {
    const cause = systemCause(error);
    return cause === undefined
      ? error
      : new AdgapError(`cannot ${action} '${key}' in store ${this.uri}: ${cause}`);
  }

  async list(prefix: string, options?: { cursor?: string; limit?: number }): Promise<ListPage> {
    const limit = options?.limit ?? 1000;
    // List the deepest existing folder that contains the prefix, then filter by the full prefix.
    const folderKey = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    if (folderKey !== '') assertKey(folderKey);
    const base = folderKey === '' ? this.root : join(this.root, ...folderKey.split('/'));
    const found: { key: string; path: string }[] = [];
    await walk(base, folderKey, found);
    const matching = found
      .filter((o) => o.key.startsWith(prefix) && (options?.cursor === undefined || o.key > options.cursor))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const page = matching.slice(0, limit);
    // Sizes only for this page: every page walks the whole folder, and a stat per file made listing 10,000
    // results quadratic in stats (seconds instead of milliseconds).
    const objects = await Promise.all(
      page.map(async ({ key, path }) => ({ key, size: (await stat(path)).size })),
    );
    const last = objects.at(-1);
    return matching.length > limit && last ? { objects, cursor: last.key } : { objects };
  }

  /** Write-once puts hard-link, which no file system lets replace an existing name. */
  async assertWriteOnce(): Promise<void> {}

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.path(key));
    } catch (error) {
      if (!isCode(error, 'ENOENT')) throw this.environmentError('delete', key, error);
    }
  }
}

async function walk(folder: string, keyPrefix: string, into: { key: string; path: string }[]): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return;
    throw error;
  }
  for (const entry of entries) {
    const key = keyPrefix === '' ? entry.name : `${keyPrefix}/${entry.name}`;
    const full = `${folder}${sep}${entry.name}`;
    if (entry.isDirectory()) await walk(full, key, into);
    else if (entry.isFile() && entry.name.endsWith(TEMP_SUFFIX)) await removeIfStale(full);
    else if (entry.isFile()) into.push({ key, path: full });
  }
}

async function removeIfStale(path: string): Promise<void> {
  try {
    if (Date.now() - (await stat(path)).mtimeMs > STALE_PARTIAL_MS) await unlink(path);
  } catch (error) {
    // Another listing removed it first, or it was renamed into place: nothing left to clean.
    if (!isCode(error, 'ENOENT')) throw error;
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
