import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { ValidationError } from './errors.js';

/**
 * Deployment facts from the environment, read here and nowhere else. Everything else that AWS needs (region,
 * credentials, AWS_ENDPOINT_URL_S3) the SDK reads itself through the standard AWS chain.
 */
export interface DeploymentEnv {
  /** An S3-compatible server to use instead of AWS S3, e.g. http://127.0.0.1:4568. */
  s3Endpoint?: string;
  /** An AWS Batch endpoint to use instead of AWS's, e.g. the local AWS of test/local-aws.ts (ADGAP_BATCH_ENDPOINT). */
  batchEndpoint?: string;
  /** The store the results API serves on Lambda, e.g. s3://my-bucket (ADGAP_STORE). */
  storeUri?: string;
  /** Where jobs keep downloaded dataset files by sha256 (ADGAP_CACHE_DIR; default: a folder in the OS temp dir). */
  datasetCacheDir: string;
}

const schema = z.object({
  ADGAP_S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  ADGAP_BATCH_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  ADGAP_STORE: z.string().optional(),
  ADGAP_CACHE_DIR: z.string().min(1).optional(),
});

export function deploymentEnv(env: NodeJS.ProcessEnv = process.env): DeploymentEnv {
  const parsed = schema.safeParse({
    ADGAP_S3_ENDPOINT: env.ADGAP_S3_ENDPOINT || undefined,
    ADGAP_BATCH_ENDPOINT: env.ADGAP_BATCH_ENDPOINT || undefined,
    ADGAP_STORE: env.ADGAP_STORE || undefined,
    ADGAP_CACHE_DIR: env.ADGAP_CACHE_DIR || undefined,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    throw new ValidationError(name, `'${env[name]}' is not an http:// or https:// URL`);
  }
  const {
    ADGAP_S3_ENDPOINT: s3Endpoint,
    ADGAP_BATCH_ENDPOINT: batchEndpoint,
    ADGAP_STORE: storeUri,
    ADGAP_CACHE_DIR: cacheDir,
  } = parsed.data;
  return {
    ...(s3Endpoint === undefined ? {} : { s3Endpoint }),
    ...(batchEndpoint === undefined ? {} : { batchEndpoint }),
    ...(storeUri === undefined ? {} : { storeUri }),
    datasetCacheDir: cacheDir ?? join(tmpdir(), 'adgap-dataset-cache'),
  };
}

/**
 * Where the cuda engine's addon is (ADGAP_CUDA_ADDON), when it is not the one src/train/engines/cuda/build.sh
 * writes into the checkout (build/cuda/adgap-cuda.node): a container image or a bundled GPU check puts it
 * elsewhere.
 */
export function cudaAddonPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.ADGAP_CUDA_ADDON || undefined;
}

/**
 * The lease owner a runner names for the job it starts (ADGAP_LEASE_OWNER), when it can later tell whether that
 * holder is gone: the docker runner names the job's container (src/runners/docker.ts).
 */
export function runnerLeaseOwner(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.ADGAP_LEASE_OWNER || undefined;
}

/**
 * Where downloaded published dataset files (Fashion-MNIST's IDX files, the CIFAR-10 archive) are kept between
 * runs, checked against their published checksums on every use: ADGAP_SOURCE_CACHE, else the XDG base-directory
 * convention ($XDG_CACHE_HOME/adgap/sources, $XDG_CACHE_HOME only when it is an absolute path, else
 * ~/.cache/adgap/sources). One rule for every downloadable group: each has its own folder below.
 */
export function sourceCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ADGAP_SOURCE_CACHE) return env.ADGAP_SOURCE_CACHE;
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.cache');
  return join(base, 'adgap', 'sources');
}

/**
 * A JSON file (ADGAP_DATASET_SOURCES) that replaces where a group's published files come from: a mirror's URLs
 * and checksums, or no system folder (src/sources/published.ts, docs/datasets.md). Unset: the published places.
 */
export function datasetSourcesFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.ADGAP_DATASET_SOURCES || undefined;
}

/**
 * The index of an AWS Batch array child (AWS_BATCH_JOB_ARRAY_INDEX, which Batch sets); 0 where it is unset or
 * empty, as for a job that is no array's child. Anything else but a whole number >= 0 is refused:
 * `Number('0x10')` is 16 and `Number('1e3')` 1000, and a job index read that loosely trains another job's runs.
 */
export function batchArrayIndex(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.AWS_BATCH_JOB_ARRAY_INDEX;
  if (value === undefined || value === '') return 0;
  if (!/^\d{1,9}$/.test(value)) {
    throw new ValidationError(
      'AWS_BATCH_JOB_ARRAY_INDEX',
      `'${value}' is not a job index (a whole number >= 0; AWS Batch sets it for an array child, elsewhere give --job)`,
    );
  }
  return Number(value);
}
