import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { isInstanceFamily } from './config.js';
import type { Network } from './network.js';

export interface BatchComputeProps {
  readonly network: Network;
  readonly gpuInstanceTypes: string[];
  readonly gpuMaxvCpus: number;
  readonly cpuInstanceTypes: string[];
  readonly cpuMaxvCpus: number;
}

/**
 * Where trainer jobs run: a GPU queue that fills Spot capacity first and falls back to on-demand, and a CPU
 * queue on Spot for the linear-model runs that gain nothing from a GPU. Every environment scales to zero.
 */
export class BatchCompute extends Construct {
  readonly gpuQueue: batch.JobQueue;
  readonly cpuQueue: batch.JobQueue;

  constructor(scope: Construct, id: string, props: BatchComputeProps) {
    super(scope, id);
    const environment = (
      name: string,
      options: { spot: boolean; types: string[]; maxvCpus: number; image: batch.EcsMachineImageType },
    ) =>
      new batch.ManagedEc2EcsComputeEnvironment(this, name, {
        vpc: props.network.vpc,
        vpcSubnets: props.network.instanceSubnets,
        securityGroups: [props.network.instanceSecurityGroup],
        spot: options.spot,
        // Spot: the pools least likely to be reclaimed among the cheapest; on-demand: cheapest types first.
        allocationStrategy: options.spot
          ? batch.AllocationStrategy.SPOT_PRICE_CAPACITY_OPTIMIZED
          : batch.AllocationStrategy.BEST_FIT_PROGRESSIVE,
        instanceTypes: options.types
          .filter((type) => !isInstanceFamily(type))
          .map((type) => new ec2.InstanceType(type)),
        instanceClasses: options.types.filter(isInstanceFamily),
        useOptimalInstanceClasses: false,
        minvCpus: 0,
        maxvCpus: options.maxvCpus,
        images: [{ imageType: options.image }],
      });

    // The ECS GPU-optimised AMI brings the NVIDIA driver and container toolkit; the image brings CUDA itself.
    // AL2023 because Batch is retiring the Amazon Linux 2 AMIs.
    const gpu = {
      types: props.gpuInstanceTypes,
      maxvCpus: props.gpuMaxvCpus,
      image: batch.EcsMachineImageType.ECS_AL2023_NVIDIA,
    };
    const gpuSpot = environment('GpuSpot', { ...gpu, spot: true });
    const gpuOnDemand = environment('GpuOnDemand', { ...gpu, spot: false });
    const cpuSpot = environment('CpuSpot', {
      types: props.cpuInstanceTypes,
      maxvCpus: props.cpuMaxvCpus,
      image: batch.EcsMachineImageType.ECS_AL2023,
      spot: true,
    });

    this.gpuQueue = new batch.JobQueue(this, 'GpuQueue', {
      computeEnvironments: [
        { computeEnvironment: gpuSpot, order: 1 },
        { computeEnvironment: gpuOnDemand, order: 2 },
      ],
    });
    this.cpuQueue = new batch.JobQueue(this, 'CpuQueue', {
      computeEnvironments: [{ computeEnvironment: cpuSpot, order: 1 }],
    });
  }
}
