import { expect, test } from 'vitest';
import { deploymentEnv } from '../src/env.js';
import { ValidationError } from '../src/errors.js';

test('ADGAP_S3_ENDPOINT is read as the S3 endpoint', () => {
  expect(deploymentEnv({ ADGAP_S3_ENDPOINT: 'http://127.0.0.1:4568' })).toEqual({
    s3Endpoint: 'http://127.0.0.1:4568',
  });
});

test('an unset or empty ADGAP_S3_ENDPOINT means AWS S3', () => {
  expect(deploymentEnv({})).toEqual({});
  expect(deploymentEnv({ ADGAP_S3_ENDPOINT: '' })).toEqual({});
});

test('an ADGAP_S3_ENDPOINT that is not an http(s) URL is refused, naming the variable', () => {
  expect(() => deploymentEnv({ ADGAP_S3_ENDPOINT: '127.0.0.1:4568' })).toThrow(ValidationError);
  expect(() => deploymentEnv({ ADGAP_S3_ENDPOINT: 'ftp://host' })).toThrow(
    /^ADGAP_S3_ENDPOINT: 'ftp:\/\/host'/,
  );
});
