import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from './synthesize.js';

// What only the stack decides: how it wires the constructs (each tested on its own small stack beside this file)
// into the outputs adgap reads, and its defaults. The config it reads: context.test.ts; its IAM: iam.test.ts.
let template: Template;
beforeAll(() => {
  ({ template } = synthesize());
});

describe('the Adgap stack', () => {
  it('publishes the job queues, names and ARNs, each from its queue in the compute construct', () => {
    const outputs = template.toJSON().Outputs;
    for (const output of ['GpuJobQueueName', 'GpuJobQueueArn', 'CpuJobQueueName', 'CpuJobQueueArn']) {
      const queue = output.startsWith('Gpu')
        ? /"ComputeGpuQueue\w+","JobQueueArn"/
        : /"ComputeCpuQueue\w+","JobQueueArn"/;
      expect(JSON.stringify(outputs[output].Value)).toMatch(queue);
    }
  });

  it('publishes the job definitions of both trainer variants', () => {
    template.hasOutput('GpuJobDefinitionArn', {
      Value: { Ref: Match.stringLikeRegexp('^TrainerJobsgpuDefinition') },
    });
    template.hasOutput('CpuJobDefinitionArn', {
      Value: { Ref: Match.stringLikeRegexp('^TrainerJobscpuDefinition') },
    });
  });

  it("publishes the API's Function URL, the bucket and the region", () => {
    template.hasOutput('ApiUrl', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('FunctionUrl'), 'FunctionUrl'] },
    });
    template.hasOutput('BucketName', { Value: { Ref: Match.stringLikeRegexp('^StorageBucket') } });
    template.hasOutput('Region', { Value: { Ref: 'AWS::Region' } });
  });

  it('keeps the bucket when the stack is deleted, unless configured otherwise', () => {
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});
