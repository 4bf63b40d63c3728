import { handle } from 'hono/aws-lambda';
import { createApp } from '../../src/api/app.js';
import { deploymentEnv } from '../../src/env.js';
import { ValidationError } from '../../src/errors.js';
import { openStore } from '../../src/store/open-store.js';

const { storeUri } = deploymentEnv();
// Checked at cold start: a deployment without a store fails its first request with this, not a default folder.
if (storeUri === undefined)
  throw new ValidationError('ADGAP_STORE', 'is not set (the store the API serves, e.g. s3://my-bucket)');

/** The API behind a Lambda Function URL (payload format 2.0). */
export const handler = handle(createApp(openStore(storeUri)));
