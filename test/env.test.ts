import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { batchArrayIndex, datasetSourcesFile, deploymentEnv, sourceCacheDir } from '../src/env.js';
import { ValidationError } from '../src/errors.js';

const defaultCache = join(tmpdir(), 'adgap-dataset-cache');

test('ADGAP_S3_ENDPOINT is read as the S3 endpoint', () => {
  expect(deploymentEnv({ ADGAP_S3_ENDPOINT: 'http://127.0.0.1:4568' })).toEqual({
    s3Endpoint: 'http://127.0.0.1:4568',
    datasetCacheDir: defaultCache,
  });
});

test('an unset or empty ADGAP_S3_ENDPOINT means AWS S3', () => {
  expect(deploymentEnv({})).toEqual({ datasetCacheDir: defaultCache });
  expect(deploymentEnv({ ADGAP_S3_ENDPOINT: '' })).toEqual({ datasetCacheDir: defaultCache });
});

test('ADGAP_CACHE_DIR moves the dataset cache', () => {
  expect(deploymentEnv({ ADGAP_CACHE_DIR: '/scratch/cache' }).datasetCacheDir).toBe('/scratch/cache');
});

test('an ADGAP_S3_ENDPOINT that is not an http(s) URL is refused, naming the variable', () => {
  expect(() => deploymentEnv({ ADGAP_S3_ENDPOINT: '127.0.0.1:4568' })).toThrow(ValidationError);
  expect(() => deploymentEnv({ ADGAP_S3_ENDPOINT: 'ftp://host' })).toThrow(
    /^ADGAP_S3_ENDPOINT: 'ftp:\/\/host'/,
  );
});

test('ADGAP_STORE is the store the results API serves; unset or empty, there is none', () => {
  expect(deploymentEnv({ ADGAP_STORE: 's3://my-bucket/adgap' }).storeUri).toBe('s3://my-bucket/adgap');
  expect(deploymentEnv({}).storeUri).toBeUndefined();
  expect(deploymentEnv({ ADGAP_STORE: '' }).storeUri).toBeUndefined();
});

test('ADGAP_BATCH_ENDPOINT is read as the AWS Batch endpoint, and refused when not an http(s) URL', () => {
  expect(deploymentEnv({ ADGAP_BATCH_ENDPOINT: 'http://127.0.0.1:4570' }).batchEndpoint).toBe(
    'http://127.0.0.1:4570',
  );
  expect(deploymentEnv({}).batchEndpoint).toBeUndefined();
  expect(() => deploymentEnv({ ADGAP_BATCH_ENDPOINT: '127.0.0.1:4570' })).toThrow(/^ADGAP_BATCH_ENDPOINT: /);
});

test('downloaded dataset files go to ADGAP_SOURCE_CACHE, else $XDG_CACHE_HOME/adgap/sources, else ~/.cache/adgap/sources', () => {
  expect(sourceCacheDir({ ADGAP_SOURCE_CACHE: '/scratch/sources', XDG_CACHE_HOME: '/x' })).toBe(
    '/scratch/sources',
  );
  expect(sourceCacheDir({ XDG_CACHE_HOME: '/var/cache/me', HOME: '/home/me' })).toBe(
    '/var/cache/me/adgap/sources',
  );
  // The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored.
  expect(sourceCacheDir({ XDG_CACHE_HOME: 'cache', HOME: '/home/me' })).toBe('/home/me/.cache/adgap/sources');
  expect(sourceCacheDir({ HOME: '/home/me' })).toBe('/home/me/.cache/adgap/sources');
});

test('ADGAP_DATASET_SOURCES names the file of dataset sources; unset or empty, the published ones', () => {
  expect(datasetSourcesFile({ ADGAP_DATASET_SOURCES: '/etc/adgap/sources.json' })).toBe(
    '/etc/adgap/sources.json',
  );
  expect(datasetSourcesFile({ ADGAP_DATASET_SOURCES: '' })).toBeUndefined();
});

test('AWS_BATCH_JOB_ARRAY_INDEX is a whole number; unset or empty it is 0, anything else is refused', () => {
  expect(batchArrayIndex({ AWS_BATCH_JOB_ARRAY_INDEX: '17' })).toBe(17);
  expect(batchArrayIndex({})).toBe(0);
  expect(batchArrayIndex({ AWS_BATCH_JOB_ARRAY_INDEX: '' })).toBe(0);
  for (const value of ['abc', '0x10', '1e3', ' 1', '-1', '1.5', '99999999999']) {
    expect(() => batchArrayIndex({ AWS_BATCH_JOB_ARRAY_INDEX: value })).toThrow(
      `AWS_BATCH_JOB_ARRAY_INDEX: '${value}' is not a job index (a whole number >= 0; AWS Batch sets it for an array child, elsewhere give --job)`,
    );
  }
});
