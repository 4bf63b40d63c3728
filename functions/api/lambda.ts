import { handle } from 'hono/aws-lambda';
import { deploymentEnv } from '../../src/env.js';
import { openStore } from '../../src/store/open-store.js';
import { createApp } from './app.js';

/** The API behind a Lambda Function URL (payload format 2.0); the store is the deployment's ADGAP_STORE. */
export const handler = handle(createApp(openStore(deploymentEnv().storeUri)));
