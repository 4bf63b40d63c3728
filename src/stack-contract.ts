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
