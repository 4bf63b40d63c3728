import { describe, expect, it } from 'vitest';
import { datasetBytes } from '../../src/datasets/dataset-bytes.js';
import { ValidationError } from '../../src/errors.js';
import {
  assertDatasetsFit,
  datasetMemory,
  formatBytes,
  JOB_BYTES_PER_DATASET_BYTE,
  JOB_PROCESS_BYTES,
} from '../../src/sweep/job-memory.js';
import { parseSweepFile } from '../../src/sweep/schema.js';

const sweep = (datasets: unknown[], R = [2, 5]) =>
  parseSweepFile({ name: 'memory', datasets, R, seeds: [2], learningRates: [0.1], modes: ['standard'] });

describe("a dataset's bytes", () => {
  it('count float32 features and a label byte for every sample of the four splits', () => {
    // R 2: train 100 + 50, validation 20 + 10, imbalanced test 20 + 10, balanced test 20 + 20 = 250 samples.
    const ref = {
      group: 'gaussian' as const,
      R: 2,
      dataSeed: 0,
      sizes: { train: 100, validation: 20, test: 20 },
      synthetic: { dim: 10, meanNonZero: 5, meanValue: 1, noiseScale: 2 },
    };
    expect(datasetBytes(ref)).toBe(250 * (4 * 10 + 1));
  });

  it('count an image as the floats a job converts its pixels to (cifar10: 3 x 32 x 32)', () => {
    const ref = {
      group: 'cifar10' as const,
      R: 1,
      dataSeed: 0,
      sizes: { train: 10, validation: 10, test: 10 },
    };
    expect(datasetBytes(ref)).toBe((20 + 20 + 20 + 20) * (4 * 3072 + 1));
  });
});

describe('assertDatasetsFit', () => {
  const target = (bytesPerJob: number) => ({ description: 'a test machine', bytesPerJob });

  it('takes each dataset at the smallest R of the sweep, where its splits are largest', () => {
    const [memory] = datasetMemory(
      sweep([{ group: 'gaussian', sizes: { train: 100, validation: 20, test: 20 } }]),
    );
    expect(memory?.ref.R).toBe(2);
    expect(memory?.neededBytes).toBe(JOB_PROCESS_BYTES + JOB_BYTES_PER_DATASET_BYTE * 250 * 401);
  });

  it('accepts a dataset a job can hold and refuses one byte less, naming the entry and the figures', () => {
    const file = sweep(['gaussian', { group: 'cauchy', synthetic: { dim: 1000 } }]);
    const [, cauchy] = datasetMemory(file);
    const needed = cauchy?.neededBytes as number;
    expect(() => assertDatasetsFit(file, target(needed))).not.toThrow();
    let error: unknown;
    try {
      assertDatasetsFit(file, target(needed - 1));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe(
      `datasets[1]: cauchy at R 2 is ${formatBytes(cauchy?.bytes as number)} of arrays (11,000 samples x 1,000 float32 features), and a job holding it needs about ${formatBytes(needed)}: more than the ${formatBytes(needed - 1)} a job has (a test machine); make its sizes or synthetic.dim smaller`,
    );
  });

  it('refuses the 1,000,000 x 100,000 grid that used to plan and then fail to allocate', () => {
    const file = sweep(
      [{ group: 'gaussian', sizes: { train: 1e6, validation: 1e6, test: 1e6 }, synthetic: { dim: 100_000 } }],
      [1],
    );
    expect(() => assertDatasetsFit(file, target(2 ** 40))).toThrow(
      /^datasets\[0\]: gaussian at R 1 is 2\.91 TiB of arrays \(8,000,000 samples x 100,000 float32 features\)/,
    );
  });
});

describe('formatBytes', () => {
  it.each([
    [512, '512 bytes'],
    [1536, '1.50 KiB'],
    [535 * 2 ** 20, '535 MiB'],
    [12 * 2 ** 30, '12.0 GiB'],
    [3.2 * 2 ** 40, '3.20 TiB'],
  ])('%d bytes are %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
