import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchCompute } from '../../infra/batch-compute.js';
import { readConfig } from '../../infra/config.js';
import { Network } from '../../infra/network.js';
import { synthesizeConstructs } from './synthesize.js';

let template: Template;
beforeAll(() => {
  ({ template } = synthesizeConstructs((stack) => {
    // The default configuration, as `cdk synth` without -c reads it.
    const network = new Network(stack, 'Network');
    new BatchCompute(stack, 'Compute', { network, ...readConfig(() => undefined) });
  }));
});

/** The compute environment whose logical id starts with `prefix`, and its logical id. */
function environment(prefix: string) {
  const found = Object.entries(template.findResources('AWS::Batch::ComputeEnvironment')).find(([id]) =>
    id.startsWith(prefix),
  );
  if (!found) throw new Error(`no compute environment ${prefix}`);
  return { id: found[0], resources: found[1].Properties.ComputeResources };
}

describe('the Batch compute environments', () => {
  it('are three: GPU Spot, GPU on-demand and CPU Spot', () => {
    template.resourceCountIs('AWS::Batch::ComputeEnvironment', 3);
    expect(environment('ComputeGpuSpot').resources.Type).toBe('SPOT');
    expect(environment('ComputeGpuOnDemand').resources.Type).toBe('EC2');
    expect(environment('ComputeCpuSpot').resources.Type).toBe('SPOT');
  });

  it('fill Spot from the pools least likely to be reclaimed at a low price', () => {
    expect(environment('ComputeGpuSpot').resources.AllocationStrategy).toBe('SPOT_PRICE_CAPACITY_OPTIMIZED');
    expect(environment('ComputeCpuSpot').resources.AllocationStrategy).toBe('SPOT_PRICE_CAPACITY_OPTIMIZED');
  });

  it('run GPU jobs on the ECS GPU-optimised AMI and g4dn/g5 instances by default', () => {
    for (const name of ['ComputeGpuSpot', 'ComputeGpuOnDemand']) {
      const { resources } = environment(name);
      expect(resources.Ec2Configuration).toEqual([{ ImageType: 'ECS_AL2023_NVIDIA' }]);
      expect(resources.InstanceTypes).toEqual(['g4dn', 'g5']);
      expect(resources.MaxvCpus).toBe(64);
      expect(resources.MinvCpus).toBe(0);
    }
  });

  it('run CPU jobs on the plain ECS AMI and x86 compute families', () => {
    const { resources } = environment('ComputeCpuSpot');
    expect(resources.Ec2Configuration).toEqual([{ ImageType: 'ECS_AL2023' }]);
    expect(resources.InstanceTypes).toEqual(['c6i', 'c7i', 'm6i']);
  });
});

describe('the job queues', () => {
  it('send GPU jobs to Spot first and to on-demand after', () => {
    template.hasResourceProperties('AWS::Batch::JobQueue', {
      ComputeEnvironmentOrder: [
        {
          ComputeEnvironment: { 'Fn::GetAtt': [environment('ComputeGpuSpot').id, 'ComputeEnvironmentArn'] },
          Order: 1,
        },
        {
          ComputeEnvironment: {
            'Fn::GetAtt': [environment('ComputeGpuOnDemand').id, 'ComputeEnvironmentArn'],
          },
          Order: 2,
        },
      ],
    });
  });

  it('send CPU jobs to CPU Spot only', () => {
    template.resourceCountIs('AWS::Batch::JobQueue', 2);
    template.hasResourceProperties('AWS::Batch::JobQueue', {
      ComputeEnvironmentOrder: [
        {
          ComputeEnvironment: { 'Fn::GetAtt': [environment('ComputeCpuSpot').id, 'ComputeEnvironmentArn'] },
          Order: 1,
        },
      ],
    });
  });
});
