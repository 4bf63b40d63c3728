import { type AdgapError, ValidationError } from '../errors.js';
import { S3StoreError } from '../store/s3.js';

/** How the CLI names a field of the core's errors, and what its user can do about it. */
const FLAGS: Record<string, { flag?: string; advice: string | undefined }> = {
  store: { flag: '--store', advice: undefined },
  chunkSize: { flag: '--chunk-size', advice: 'omit --chunk-size to go on with that plan' },
  engine: { advice: 'use --engine tfjs, or no --engine' },
};

/**
 * The one line the CLI prints for `error`. Core errors state the fact and name what was wrong (a store, a chunk
 * size, an engine), because the API shows them to HTTP clients too; here the CLI adds its flags.
 */
export function cliMessage(error: AdgapError): string {
  if (error instanceof ValidationError) {
    const field = FLAGS[error.field];
    if (field)
      return `${field.flag ?? error.field}: ${error.detail}${field.advice ? `; ${field.advice}` : ''}`;
  }
  if (error instanceof S3StoreError && error.reason === 'missing-bucket') {
    return `${error.message}; create it or fix --store`;
  }
  return error.message;
}
