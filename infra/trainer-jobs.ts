import { Duration, IgnoreMode, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { jobRunArguments } from '../src/jobs/job-command.js';
import { JOB_RESOURCES } from '../src/stack-contract.js';
import { KEY_PATTERNS } from './key-patterns.js';
import { REPO_ROOT } from './repo-root.js';
import type { Storage } from './storage.js';

export interface TrainerJobsProps {
  readonly storage: Storage;
}

/**
 * The job definitions Batch array jobs run: the trainer image (containers/trainer) built by `cdk deploy`, not
 * by synth, so synth needs no docker. One definition per variant of the image.
 */
export class TrainerJobs extends Construct {
  readonly gpu: batch.EcsJobDefinition;
  readonly cpu: batch.EcsJobDefinition;
  readonly jobRole: iam.Role;

  constructor(scope: Construct, id: string, props: TrainerJobsProps) {
    super(scope, id);
    const { storage } = props;

    this.jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description:
        'adgap trainer: reads datasets and sweeps, writes results, weights, evaluations and failures',
    });
    storage.grantReadUnder(this.jobRole, [KEY_PATTERNS.datasets, KEY_PATTERNS.sweeps, KEY_PATTERNS.leases]);
    // Jobs only load datasets: `sweep run` prepares them before any job starts, so nothing here writes datasets/.
    // They take and renew their job's lease (src/results/leases.ts) under leases/, and store each result's
    // weights and the robust evaluations computed from them beside the results.
    storage.grantPutUnder(this.jobRole, [
      KEY_PATTERNS.results,
      KEY_PATTERNS.weights,
      KEY_PATTERNS.evaluations,
      KEY_PATTERNS.failures,
      KEY_PATTERNS.leases,
    ]);

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const definition = (variant: 'gpu' | 'cpu', resources: { cpu: number; memory: Size; gpu?: number }) => {
      // The context is the repository root; its .dockerignore keeps it to what the image needs.
      const image = new ecrAssets.DockerImageAsset(this, `${variant}Image`, {
        directory: REPO_ROOT,
        file: 'containers/trainer/Dockerfile',
        target: variant,
        platform: ecrAssets.Platform.LINUX_AMD64,
        ignoreMode: IgnoreMode.DOCKER,
      });
      return new batch.EcsJobDefinition(this, `${variant}Definition`, {
        container: new batch.EcsEc2ContainerDefinition(this, `${variant}Container`, {
          image: ecs.ContainerImage.fromDockerImageAsset(image),
          ...resources,
          // Batch substitutes Ref::<name> from the SubmitJob parameters; the store defaults to this bucket.
          command: jobRunArguments('Ref::store', 'Ref::sweep'),
          environment: { AWS_REGION: Stack.of(this).region },
          jobRole: this.jobRole,
          // An init process as PID 1 passes Batch's SIGTERM on to node, which stops between runs (issue 8);
          // node as PID 1 would have no default SIGTERM action and be killed 30 s later.
          linuxParameters: new batch.LinuxParameters(this, `${variant}Linux`, { initProcessEnabled: true }),
          logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: variant }),
        }),
        parameters: { store: storage.storeUri },
        // A job resumes where it stopped (finished runs are skipped), so retrying after a lost host is cheap;
        // anything else is the trainer's own failure and would only fail again.
        retryAttempts: 5,
        retryStrategies: [
          batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED),
          batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.custom({ onStatusReason: '*' })),
        ],
        // A ceiling per attempt for the default chunk size; SubmitJob can set its own.
        timeout: Duration.hours(12),
      });
    };

    const { gpu, cpu } = JOB_RESOURCES;
    this.gpu = definition('gpu', { cpu: gpu.vcpus, memory: Size.mebibytes(gpu.memoryMiB), gpu: gpu.gpus });
    this.cpu = definition('cpu', { cpu: cpu.vcpus, memory: Size.mebibytes(cpu.memoryMiB) });
  }
}
