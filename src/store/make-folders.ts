import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AdgapError } from '../errors.js';

/**
 * `mkdir -p`, written out because Node's own (`mkdir(path, { recursive: true })`) fails two ways on folders
 * that are not ordinary: where mkdir answers ENOENT although the parent exists (/proc, /sys: the file system
 * creates nothing), it retries forever, and where an ancestor cannot be made (a read-only file system, EROFS)
 * it reports ENOENT for the leaf instead. This one makes each missing folder from the top down and throws the
 * real cause, naming the folder.
 */
export async function makeFolders(path: string): Promise<void> {
  const first = await mkdirOnce(path);
  if (first === 'made') return;
  const parent = dirname(path);
  if (first !== 'no-parent' || parent === path) throw first;
  await makeFolders(parent);
  const second = await mkdirOnce(path);
  if (second === 'made') return;
  if (second === 'no-parent') {
    throw new AdgapError(
      `cannot create the folder '${path}': its file system creates no folders (mkdir answers ENOENT although '${parent}' exists, as in /proc and /sys); use a folder on an ordinary file system`,
    );
  }
  throw second;
}

/** 'made' once the folder exists, 'no-parent' for ENOENT, else the error. */
async function mkdirOnce(path: string): Promise<unknown> {
  try {
    await mkdir(path);
    return 'made';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'EEXIST') return 'made';
    return code === 'ENOENT' ? 'no-parent' : error;
  }
}
