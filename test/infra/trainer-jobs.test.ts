import { RemovalPolicy } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { Storage } from '../../infra/storage.js';
import { TrainerJobs } from '../../infra/trainer-jobs.js';
import { JOB_RESOURCES } from '../../src/stack-contract.js';
import { type Synthesized, synthesizeConstructs } from './synthesize.js';

let template: Template;
let assets: Synthesized['assets'];
beforeAll(() => {
  ({ template, assets } = synthesizeConstructs((stack) => {
    const storage = new Storage(stack, 'Storage', { removalPolicy: RemovalPolicy.RETAIN });
    new TrainerJobs(stack, 'TrainerJobs', { storage });
  }));
});

function definition(variant: 'gpu' | 'cpu') {
  const found = Object.entries(template.findResources('AWS::Batch::JobDefinition')).find(([id]) =>
    id.startsWith(`TrainerJobs${variant}Definition`),
  );
  if (!found) throw new Error(`no ${variant} job definition`);
  return found[1].Properties;
}

describe('the trainer job definitions', () => {
  it('ask for one GPU in the GPU variant', () => {
    expect(definition('gpu').ContainerProperties.ResourceRequirements).toContainEqual({
      Type: 'GPU',
      Value: '1',
    });
  });

  it('ask for no GPU in the CPU variant', () => {
    const types = definition('cpu').ContainerProperties.ResourceRequirements.map(
      (r: { Type: string }) => r.Type,
    );
    expect(types).not.toContain('GPU');
  });

  it('retry a job whose host went away (Spot reclaim) and stop on anything else', () => {
    for (const variant of ['gpu', 'cpu'] as const) {
      const { Attempts, EvaluateOnExit } = definition(variant).RetryStrategy;
      expect(Attempts).toBeGreaterThan(1);
      expect(EvaluateOnExit).toEqual([
        { Action: 'RETRY', OnStatusReason: 'Host EC2*' },
        { Action: 'EXIT', OnStatusReason: '*' },
      ]);
    }
  });

  it('give each job the memory the CLI checks datasets against (src/stack-contract.ts)', () => {
    for (const variant of ['gpu', 'cpu'] as const) {
      expect(definition(variant).ContainerProperties.ResourceRequirements).toContainEqual({
        Type: 'MEMORY',
        Value: String(JOB_RESOURCES[variant].memoryMiB),
      });
    }
  });

  it('end an attempt that runs too long', () => {
    for (const variant of ['gpu', 'cpu'] as const) {
      expect(definition(variant).Timeout.AttemptDurationSeconds).toBe(12 * 3600);
    }
  });

  it('run the trainer image that cdk deploy builds from containers/trainer, one target per variant', () => {
    const sources = Object.values(assets.dockerImages).map(({ source }) => source);
    expect(sources).toHaveLength(2);
    for (const source of sources) {
      expect(source.dockerFile).toBe('containers/trainer/Dockerfile');
      expect(source.platform).toBe('linux/amd64');
    }
    expect(sources.map((source) => source.dockerBuildTarget).sort()).toEqual(['cpu', 'gpu']);
    for (const [hash, { source }] of Object.entries(assets.dockerImages)) {
      const image = definition(source.dockerBuildTarget as 'gpu' | 'cpu').ContainerProperties.Image;
      expect(JSON.stringify(image)).toContain(`:${hash}`);
    }
  });

  it('run `adgap job run` on the sweep given at submission, against this stack bucket by default', () => {
    for (const variant of ['gpu', 'cpu'] as const) {
      const { ContainerProperties, Parameters } = definition(variant);
      expect(ContainerProperties.Command).toEqual([
        'job',
        'run',
        '--store',
        'Ref::store',
        '--sweep',
        'Ref::sweep',
      ]);
      expect(Parameters.store).toEqual({
        'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^StorageBucket/) }]],
      });
    }
  });

  it('forward SIGTERM to the trainer through an init process', () => {
    for (const variant of ['gpu', 'cpu'] as const) {
      expect(definition(variant).ContainerProperties.LinuxParameters.InitProcessEnabled).toBe(true);
    }
  });

  it('log to CloudWatch with a retention', () => {
    const groups = template.findResources('AWS::Logs::LogGroup');
    for (const variant of ['gpu', 'cpu'] as const) {
      const { LogDriver, Options } = definition(variant).ContainerProperties.LogConfiguration;
      expect(LogDriver).toBe('awslogs');
      const group = groups[Options['awslogs-group'].Ref];
      expect(group?.Properties.RetentionInDays).toBe(30);
    }
  });
});
