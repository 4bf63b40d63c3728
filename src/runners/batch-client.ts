import { BatchClient } from '@aws-sdk/client-batch';
import { deploymentEnv } from '../env.js';

/**
 * The AWS Batch client for a region: AWS's own endpoint, or ADGAP_BATCH_ENDPOINT (the local AWS of
 * test/local-aws.ts) when set. Credentials come from the standard AWS chain either way.
 */
export function batchClientFor(region: string): BatchClient {
  const { batchEndpoint } = deploymentEnv();
  return new BatchClient({ region, ...(batchEndpoint === undefined ? {} : { endpoint: batchEndpoint }) });
}
