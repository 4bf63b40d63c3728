import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NotFoundError } from '../errors.js';
import type { PublishedFile } from './published.js';

/** What a download shows while it runs (src/sources/download-progress.ts draws it). */
export interface DownloadProgress {
  begin(url: string, totalBytes: number | undefined): void;
  advance(bytes: number): void;
  end(): void;
}

export interface CachedDownloadOptions {
  /** The group's folder of the download cache (env.ts sourceCacheDir, then the group). */
  folder: string;
  progress: DownloadProgress;
  /** The group's name, first on every error line. */
  group: string;
  /** What to do instead when the download fails: pass the files with --source, and where to get them. */
  instead: string;
}

/**
 * `file`'s bytes from the download cache, or downloaded into it: a cached copy is used only when its md5 is the
 * published one (a damaged or outdated copy is downloaded again), and a download is kept only when it is
 * complete and its md5 is the published one. Written under a temporary name, then renamed, so two processes
 * downloading at once leave one whole file.
 */
export async function cachedDownload(
  file: PublishedFile,
  options: CachedDownloadOptions,
): Promise<Uint8Array> {
  const path = join(options.folder, file.name);
  const cached = await readFile(path).then(
    (bytes) => new Uint8Array(bytes),
    () => undefined,
  );
  if (cached !== undefined && md5Hex(cached) === file.md5) return cached;
  const bytes = await download(file, options);
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomBytes(4).toString('hex')}.partial`;
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return bytes;
}

/** Whether the cache holds `file` with its published md5 (so using it downloads nothing). */
export async function isCached(file: PublishedFile, folder: string): Promise<boolean> {
  const bytes = await readFile(join(folder, file.name)).catch(() => undefined);
  return bytes !== undefined && md5Hex(new Uint8Array(bytes)) === file.md5;
}

/**
 * Whether `file` can be downloaded now, without downloading it (a HEAD request): its size when the server says
 * it, or the same one-line error a download would give. For plans, which promise nothing they have not checked.
 */
export async function probeDownload(
  file: PublishedFile,
  options: Pick<CachedDownloadOptions, 'group' | 'instead'>,
): Promise<number | undefined> {
  let response: Response;
  try {
    response = await fetch(file.url, { method: 'HEAD', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  } catch (error) {
    throw new NotFoundError(
      `${options.group}: cannot reach ${file.url} (${causeOf(error)}); ${options.instead}`,
    );
  }
  if (!response.ok)
    throw new NotFoundError(
      `${options.group}: ${file.url} answers HTTP ${response.status} ${response.statusText}; ${options.instead}`,
    );
  const length = Number(response.headers.get('content-length'));
  return Number.isSafeInteger(length) && length > 0 ? length : undefined;
}

/** A plan waits this long for a published location to answer before it says it cannot be reached. */
const PROBE_TIMEOUT_MS = 15_000;

async function download(file: PublishedFile, options: CachedDownloadOptions): Promise<Uint8Array> {
  // One line: what failed (a refused connection, an HTTP error, a truncated body, a wrong checksum), on which
  // URL, and what to pass instead.
  const fail = (what: string) => new NotFoundError(`${options.group}: ${what}; ${options.instead}`);
  let response: Response;
  try {
    response = await fetch(file.url);
  } catch (error) {
    throw fail(`cannot download ${file.url} (${causeOf(error)})`);
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw fail(`cannot download ${file.url} (HTTP ${response.status} ${response.statusText})`.trimEnd());
  }
  const length = Number(response.headers.get('content-length'));
  const totalBytes = Number.isSafeInteger(length) && length > 0 ? length : undefined;
  const hash = createHash('md5');
  const chunks: Uint8Array[] = [];
  let received = 0;
  options.progress.begin(file.url, totalBytes);
  const of = () => (totalBytes === undefined ? `${received} bytes` : `${received} of ${totalBytes} bytes`);
  try {
    for await (const chunk of response.body) {
      chunks.push(chunk);
      hash.update(chunk);
      received += chunk.length;
      options.progress.advance(chunk.length);
    }
  } catch (error) {
    throw fail(`the download of ${file.url} broke off after ${of()} (${causeOf(error)}); nothing was kept`);
  } finally {
    options.progress.end();
  }
  if (totalBytes !== undefined && received !== totalBytes)
    throw fail(`the download of ${file.url} is truncated: ${of()}; nothing was kept`);
  const md5 = hash.digest('hex');
  if (md5 !== file.md5)
    throw fail(
      `${file.url} sent a file with md5 ${md5}, not its published ${file.md5} (damaged or not the published file); nothing was kept`,
    );
  return concat(chunks, received);
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** fetch's own errors say only "fetch failed" or "terminated"; the reason is in their cause. */
function causeOf(error: unknown): string {
  let e = error as { message?: string; cause?: unknown };
  while (e.cause instanceof Error || (e.cause !== undefined && typeof e.cause === 'object')) {
    e = e.cause as typeof e;
  }
  return e.message ?? String(error);
}
