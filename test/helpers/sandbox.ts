import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** The tsx loader's compile cache in TMPDIR: the CLI's runtime, not something adgap writes. */
const LOADER_CACHE = /^tmp\/tsx-/;

/**
 * Every folder and file under `root` (relative paths), with file contents: what a case of a case table may
 * not change. The CLI runs with HOME, TMPDIR and its working directory inside `root`, so whatever it writes
 * outside its store is seen too.
 */
export async function snapshot(root: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    const path = relative(root, join(entry.parentPath, entry.name));
    if (LOADER_CACHE.test(path)) continue;
    if (entry.isDirectory()) entries.set(path, '<folder>');
    else if (entry.isFile()) entries.set(path, await readFile(join(root, path), 'utf8'));
  }
  return entries;
}
