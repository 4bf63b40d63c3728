import { type App, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DEFAULT_STACK_NAME, STACK_OUTPUT_KEYS, type StackOutputs } from '../src/stack-contract.js';
import { BatchCompute } from './batch-compute.js';
import { type InfraConfig, readConfig } from './config.js';
import { Network } from './network.js';
import { ResultsApi } from './results-api.js';
import { Storage } from './storage.js';
import { TrainerJobs } from './trainer-jobs.js';

export interface AdgapStackProps extends StackProps {
  readonly config: InfraConfig;
}

/** Everything adgap needs in an AWS account: `npx cdk deploy --outputs-file cdk-outputs.json`. */
export class AdgapStack extends Stack {
  constructor(scope: Construct, id: string, props: AdgapStackProps) {
    super(scope, id, props);
    const { config } = props;

    const storage = new Storage(this, 'Storage', {
      removalPolicy: config.bucketRemovalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    const network = new Network(this, 'Network');
    const compute = new BatchCompute(this, 'Compute', { network, ...config });
    const jobs = new TrainerJobs(this, 'TrainerJobs', { storage });
    const api = new ResultsApi(this, 'ResultsApi', { storage, corsOrigin: config.apiCorsOrigin });

    // adgap reads these back from the outputs file (src/runners/stack-outputs.ts).
    const outputs: StackOutputs = {
      region: this.region,
      bucketName: storage.bucket.bucketName,
      gpuJobQueueName: compute.gpuQueue.jobQueueName,
      gpuJobQueueArn: compute.gpuQueue.jobQueueArn,
      cpuJobQueueName: compute.cpuQueue.jobQueueName,
      cpuJobQueueArn: compute.cpuQueue.jobQueueArn,
      gpuJobDefinitionArn: jobs.gpu.jobDefinitionArn,
      cpuJobDefinitionArn: jobs.cpu.jobDefinitionArn,
      apiUrl: api.url.url,
    };
    for (const [name, key] of Object.entries(STACK_OUTPUT_KEYS)) {
      new CfnOutput(this, key, { value: outputs[name as keyof StackOutputs] });
    }
  }
}

/** The stack as `cdk synth` builds it, configured from the app's context. */
export function createAdgapStack(app: App): AdgapStack {
  return new AdgapStack(app, DEFAULT_STACK_NAME, {
    config: readConfig((key) => app.node.tryGetContext(key)),
  });
}
