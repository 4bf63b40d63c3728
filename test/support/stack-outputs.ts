/** A deployed stack's outputs, as `cdk deploy --outputs-file` writes them under the stack's name. */
export const DEPLOYED_OUTPUTS = {
  Region: 'eu-west-1',
  BucketName: 'adgap-storagebucket-1a2b3c',
  GpuJobQueueName: 'GpuQueue-abc',
  GpuJobQueueArn: 'arn:aws:batch:eu-west-1:123456789012:job-queue/GpuQueue-abc',
  CpuJobQueueName: 'CpuQueue-def',
  CpuJobQueueArn: 'arn:aws:batch:eu-west-1:123456789012:job-queue/CpuQueue-def',
  GpuJobDefinitionArn: 'arn:aws:batch:eu-west-1:123456789012:job-definition/GpuTrainer-1:1',
  CpuJobDefinitionArn: 'arn:aws:batch:eu-west-1:123456789012:job-definition/CpuTrainer-2:1',
  ApiUrl: 'https://abcdef.lambda-url.eu-west-1.on.aws/',
};
