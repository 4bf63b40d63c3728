import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../infra/config.js';
import { ValidationError } from '../../src/errors.js';
import { synthesize } from './synthesize.js';

const context = (values: Record<string, unknown>) => readConfig((key) => values[key]);

describe('readConfig', () => {
  it('splits comma-separated instance types given with -c', () => {
    expect(context({ gpuInstanceTypes: 'g5.xlarge, g6' }).gpuInstanceTypes).toEqual(['g5.xlarge', 'g6']);
  });

  it('reads numbers given as strings with -c', () => {
    expect(context({ gpuMaxvCpus: '16' }).gpuMaxvCpus).toBe(16);
  });

  it('rejects Graviton instances, which cannot run the x86_64 image', () => {
    expect(() => context({ cpuInstanceTypes: 'c7g.large' })).toThrow(ValidationError);
    expect(() => context({ gpuInstanceTypes: 'g5g' })).toThrow(/context gpuInstanceTypes.0: Graviton/);
  });

  it('rejects a family aws-cdk-lib does not know', () => {
    expect(() => context({ gpuInstanceTypes: 'gpu' })).toThrow(/expected instance types or families/);
  });

  it('rejects a CORS origin with a path', () => {
    expect(() => context({ apiCorsOrigin: 'https://notebook.example.org/lab' })).toThrow(
      /context apiCorsOrigin/,
    );
  });

  it('rejects a maxvCpus that is not a positive integer', () => {
    expect(() => context({ cpuMaxvCpus: '0' })).toThrow(/context cpuMaxvCpus/);
  });
});

describe('a stack synthesised with every context value given', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synthesize({
      gpuInstanceTypes: 'g5.xlarge,g6',
      gpuMaxvCpus: '16',
      cpuInstanceTypes: 'c7i.large',
      cpuMaxvCpus: '32',
      apiCorsOrigin: 'https://notebook.example.org',
      bucketRemovalPolicy: 'destroy',
    }));
  });

  function computeResources(prefix: string) {
    const found = Object.entries(template.findResources('AWS::Batch::ComputeEnvironment')).find(([id]) =>
      id.startsWith(prefix),
    );
    return found?.[1].Properties.ComputeResources;
  }

  it('uses the GPU instance types and vCPU limit given', () => {
    for (const prefix of ['ComputeGpuSpot', 'ComputeGpuOnDemand']) {
      expect(computeResources(prefix).InstanceTypes.sort()).toEqual(['g5.xlarge', 'g6']);
      expect(computeResources(prefix).MaxvCpus).toBe(16);
    }
  });

  it('uses the CPU instance types and vCPU limit given', () => {
    expect(computeResources('ComputeCpuSpot').InstanceTypes).toEqual(['c7i.large']);
    expect(computeResources('ComputeCpuSpot').MaxvCpus).toBe(32);
  });

  it('allows the browser origin given to call the API with signed GET requests', () => {
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      Cors: {
        AllowOrigins: ['https://notebook.example.org'],
        AllowMethods: ['GET'],
        AllowHeaders: ['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'],
      },
    });
  });

  it('lets the stack delete the bucket when asked to', () => {
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
  });
});
