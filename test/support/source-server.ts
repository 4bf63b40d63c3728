import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { idxBytes } from '../datasets/fixtures.js';

/**
 * A local HTTP server standing for a dataset's published location (127.0.0.1 only): it serves the files it is
 * given, and can send a file truncated (the full Content-Length, half the body, then the connection closed).
 */
export interface SourceServer {
  baseUrl: string;
  /** Paths requested so far, in order. */
  requests: string[];
  /** Files whose body is cut short from now on. */
  truncate: Set<string>;
  stop(): Promise<void>;
}

export async function startSourceServer(files: ReadonlyMap<string, Uint8Array>): Promise<SourceServer> {
  const requests: string[] = [];
  const truncate = new Set<string>();
  const server: Server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname.slice(1));
    requests.push(name);
    const body = files.get(name);
    if (body === undefined) {
      res.writeHead(404, 'Not Found').end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (truncate.has(name)) {
      res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/`,
    requests,
    truncate,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const FASHION_FILE_NAMES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
] as const;

/**
 * Small Fashion-MNIST files in the official format (gzipped IDX, 28x28 images): `train` and `test` images of
 * each of the ten labels, in label order 0..9 repeated; image i's pixels are all (i * 7) % 256.
 */
export function fashionFiles(perLabel: { train: number; test: number }): Map<string, Uint8Array> {
  const set = (count: number) => {
    const labels = Uint8Array.from({ length: count * 10 }, (_, i) => i % 10);
    const images = new Uint8Array(labels.length * 784);
    for (let i = 0; i < labels.length; i++) images.fill((i * 7) % 256, i * 784, (i + 1) * 784);
    return {
      images: gzipSync(idxBytes([labels.length, 28, 28], images)),
      labels: gzipSync(idxBytes([labels.length], labels)),
    };
  };
  const train = set(perLabel.train);
  const test = set(perLabel.test);
  return new Map<string, Uint8Array>([
    ['train-images-idx3-ubyte.gz', train.images],
    ['train-labels-idx1-ubyte.gz', train.labels],
    ['t10k-images-idx3-ubyte.gz', test.images],
    ['t10k-labels-idx1-ubyte.gz', test.labels],
  ]);
}

export const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

/**
 * An ADGAP_DATASET_SOURCES file (docs/datasets.md) naming `server` as `group`'s location, with the md5 of each
 * file it serves (or `md5Of`'s), and no system folder, as on a machine without Debian's package.
 */
export async function writeSourcesFile(options: {
  path: string;
  group: 'fmnist' | 'cifar10';
  baseUrl: string;
  files: ReadonlyMap<string, Uint8Array>;
  md5Of?: (name: string, bytes: Uint8Array) => string;
  folders?: string[];
}): Promise<string> {
  const files = [...options.files].map(([name, bytes]) => ({
    name,
    url: `${options.baseUrl}${name}`,
    md5: options.md5Of?.(name, bytes) ?? md5(bytes),
  }));
  await writeFile(
    options.path,
    JSON.stringify({ [options.group]: { folders: options.folders ?? [], files } }, null, 2),
  );
  return options.path;
}

/** Writes `files` into `folder` (a --source folder or a system package's). */
export async function writeFiles(folder: string, files: ReadonlyMap<string, Uint8Array>): Promise<void> {
  for (const [name, bytes] of files) await writeFile(join(folder, name), bytes);
}
