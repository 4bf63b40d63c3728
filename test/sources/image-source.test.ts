import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { create } from 'tar';
import { describe, expect, it } from 'vitest';
import { readImageSource } from '../../src/sources/image-source.js';
import { cifarBatch, idxBytes, useTempDirs } from '../datasets/fixtures.js';

const tempDir = useTempDirs();

/** Four gzipped IDX files of 3x2 images; image i of a set has every pixel equal to i. */
async function writeFashionFolder(
  folder: string,
  trainLabels: number[],
  testLabels: number[],
): Promise<void> {
  const write = async (name: string, labels: number[]) => {
    const images = Uint8Array.from(labels.flatMap((_, i) => Array(6).fill(i)));
    await writeFile(
      join(folder, `${name}-images-idx3-ubyte.gz`),
      gzipSync(idxBytes([labels.length, 3, 2], images)),
    );
    await writeFile(
      join(folder, `${name}-labels-idx1-ubyte.gz`),
      gzipSync(idxBytes([labels.length], Uint8Array.from(labels))),
    );
  };
  await write('train', trainLabels);
  await write('t10k', testLabels);
}

/** The six CIFAR-10 batch files in `folder`; record r of batch b has label (b + r) % 10 and pixels b * 16 + r. */
async function writeCifarBatches(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  const names = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`).concat('test_batch.bin');
  for (const [b, name] of names.entries()) {
    const labels = Array.from({ length: 10 }, (_, r) => (b + r) % 10);
    await writeFile(
      join(folder, name),
      cifarBatch(labels, (r) => b * 16 + r),
    );
  }
}

describe('readImageSource', () => {
  it('reads gzipped IDX files from a --source folder and records their names and sha256', async () => {
    const folder = await tempDir();
    await writeFashionFolder(folder, [0, 1, 2, 1], [1, 0]);
    const source = await readImageSource('fmnist', folder);
    expect(source.set.featureShape).toEqual([6]);
    expect([...source.set.train.labels]).toEqual([0, 1, 2, 1]);
    expect([...source.set.test.images.subarray(6, 12)]).toEqual([1, 1, 1, 1, 1, 1]);
    expect(source.files.map((f) => f.name)).toEqual([
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
    ]);
    for (const file of source.files) expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the missing IDX file and where to get it', async () => {
    const folder = await tempDir();
    await expect(readImageSource('fmnist', folder)).rejects.toThrow(
      /fmnist: no train-images-idx3-ubyte or train-images-idx3-ubyte\.gz in .*dataset-fashion-mnist/,
    );
  });

  it('rejects a truncated gzip file, naming it', async () => {
    const folder = await tempDir();
    await writeFashionFolder(folder, [0, 1], [1, 0]);
    const gz = gzipSync(idxBytes([2], new Uint8Array([0, 1])));
    await writeFile(join(folder, 'train-labels-idx1-ubyte.gz'), gz.subarray(0, gz.length - 6));
    await expect(readImageSource('fmnist', folder)).rejects.toThrow(
      /train-labels-idx1-ubyte\.gz: cannot decompress/,
    );
  });

  it('reads CIFAR-10 from the extracted folder, training batches 1 to 5 in order', async () => {
    const parent = await tempDir();
    await writeCifarBatches(join(parent, 'cifar-10-batches-bin'));
    const source = await readImageSource('cifar10', parent);
    expect(source.set.featureShape).toEqual([3, 32, 32]);
    expect(source.set.train.labels.length).toBe(50);
    expect(source.set.train.labels[10]).toBe(1);
    expect(source.set.train.images[10 * 3072]).toBe(16);
    expect(source.set.test.images[3 * 3072]).toBe(5 * 16 + 3);
    expect(source.files.map((f) => f.name)).toContain('test_batch.bin');
  });

  it('reads CIFAR-10 from the official archive layout, giving the same images as the folder', async () => {
    const dir = await tempDir();
    await writeCifarBatches(join(dir, 'cifar-10-batches-bin'));
    await writeFile(join(dir, 'cifar-10-batches-bin', 'batches.meta.txt'), 'airplane\n');
    const archive = join(dir, 'cifar-10-binary.tar.gz');
    await create({ gzip: true, file: archive, cwd: dir, portable: true }, ['cifar-10-batches-bin']);
    const fromArchive = await readImageSource('cifar10', archive);
    const fromFolder = await readImageSource('cifar10', dir);
    expect(fromArchive.set).toEqual(fromFolder.set);
    expect(fromArchive.files).toEqual([
      { name: 'cifar-10-binary.tar.gz', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
  });

  it('rejects a truncated archive, naming it and saying where to get CIFAR-10', async () => {
    const dir = await tempDir();
    await writeCifarBatches(join(dir, 'cifar-10-batches-bin'));
    const archive = join(dir, 'cifar-10-binary.tar.gz');
    await create({ gzip: true, file: archive, cwd: dir }, ['cifar-10-batches-bin']);
    const bytes = await readFile(archive);
    await writeFile(archive, bytes.subarray(0, bytes.length >> 1));
    await expect(readImageSource('cifar10', archive)).rejects.toThrow(
      /cifar-10-binary\.tar\.gz: .*www\.cs\.toronto\.edu\/~kriz\/cifar\.html/,
    );
  });

  it('says where to get CIFAR-10 when the folder lacks a batch', async () => {
    const dir = await tempDir();
    await expect(readImageSource('cifar10', dir)).rejects.toThrow(
      /cifar10: no data_batch_1\.bin in .*cifar-10-binary\.tar\.gz \(md5 c32a1d4ab5d03f1284b67883e8d87530\)/,
    );
  });
});
