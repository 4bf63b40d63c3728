// The names the CDK stack (infra/) and the CLI reading its outputs (src/runners/stack-outputs.ts) share: plain
// data that both may import, so infra/ needs nothing from the runners and the runners nothing from infra/.

/** The stack `npx cdk deploy` creates (infra/app.ts). */
export const DEFAULT_STACK_NAME = 'Adgap';

/**
 * The CloudFormation outputs the stack publishes, by the name adgap uses for them. infra/stack.ts creates one
 * output per entry and src/runners/stack-outputs.ts reads them back, so the two sides cannot drift apart.
 */
export const STACK_OUTPUT_KEYS = {
  region: 'Region',
  bucketName: 'BucketName',
  gpuJobQueueName: 'GpuJobQueueName',
  gpuJobQueueArn: 'GpuJobQueueArn',
  cpuJobQueueName: 'CpuJobQueueName',
  cpuJobQueueArn: 'CpuJobQueueArn',
  gpuJobDefinitionArn: 'GpuJobDefinitionArn',
  cpuJobDefinitionArn: 'CpuJobDefinitionArn',
  apiUrl: 'ApiUrl',
} as const;

export type StackOutputs = { readonly [K in keyof typeof STACK_OUTPUT_KEYS]: string };

/**
 * What one trainer job asks Batch for on each job queue. infra/trainer-jobs.ts builds the job definitions from
 * it, and the price estimate (src/sweep/price.ts) packs jobs into instances with it, so the two agree;
 * `adgap sweep run --runner batch` refuses a dataset that a job of the chosen queue could not hold in its memory.
 */
export const JOB_RESOURCES = {
  // One job per GPU. 4 vCPUs and 12 GiB fit the smallest g4dn/g5 sizes (16 GiB) after the OS takes its share.
  gpu: { vcpus: 4, memoryMiB: 12 * 1024, gpus: 1 },
  // Linear models train on one core; two such jobs fit a 2-vCPU, 4 GiB .large instance.
  cpu: { vcpus: 1, memoryMiB: 1792, gpus: 0 },
} as const;
