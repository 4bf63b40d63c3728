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
 * Memory of each trainer job definition, in MiB: infra/trainer-jobs.ts gives the job definitions these, and
 * `adgap sweep run --runner batch` refuses a dataset that a job of the chosen queue could not hold.
 */
export const TRAINER_JOB_MEMORY_MIB = {
  // One job per GPU: 12 GiB fit the smallest g4dn/g5 sizes (16 GiB) after the OS takes its share.
  gpu: 12 * 1024,
  // Linear models train on one core; two such jobs fit a 2-vCPU, 4 GiB .large instance.
  cpu: 1792,
} as const;
