import {
  BatchClient,
  DescribeJobsCommand,
  type JobDetail,
  ListJobsCommand,
  SubmitJobCommand,
  TerminateJobCommand,
} from '@aws-sdk/client-batch';
import { afterEach, describe, expect, it } from 'vitest';
import { type BatchJobState, describeSubmissions, failureReason } from '../../src/runners/batch-jobs.js';
import { BatchEmulator, type BatchEmulatorOptions } from '../support/local-aws/batch-server.js';
import type { JobDefinition, RetryRule } from '../support/local-aws/cloud-assembly.js';
import type { Container, ContainerLauncher, ContainerSpec } from '../support/local-aws/containers.js';

/**
 * The local Batch endpoint's own semantics, through the real client: retry rules as Batch applies them, array
 * children, dependencies, termination. Containers are scripted here (exit codes decided by the test); the
 * docker launcher and the synthesized template are exercised by cloud-sweep.test.ts.
 */
const QUEUE = 'arn:aws:batch:us-east-1:000000000000:job-queue/Q';

function definition(evaluateOnExit: RetryRule[], attempts = 3, timeoutSeconds?: number): JobDefinition {
  return {
    arn: 'arn:aws:batch:us-east-1:000000000000:job-definition/D:1',
    logicalId: 'D',
    image: { uri: 'image', asset: undefined },
    command: ['job', 'run', '--store', 'Ref::store'],
    environment: { FROM_DEFINITION: 'yes' },
    parameters: { store: 's3://bucket' },
    jobRoleArn: undefined,
    retryStrategy: { attempts, evaluateOnExit },
    timeoutSeconds,
    vcpus: 1,
    memoryMiB: 512,
    gpus: 0,
    initProcessEnabled: true,
  };
}

/** Containers that exit when the test says, with the code it gives. */
class ScriptedLauncher implements ContainerLauncher {
  readonly started: ContainerSpec[] = [];
  private readonly exits = new Map<string, (code: number) => void>();
  async prepareImage(): Promise<string> {
    return 'image';
  }
  start(spec: ContainerSpec): Container {
    this.started.push(spec);
    let resolve: (code: number) => void = () => {};
    const exited = new Promise<number>((r) => {
      resolve = r;
    });
    this.exits.set(spec.name, resolve);
    return { exited, output: () => '', stop: async () => resolve(143), kill: () => resolve(137) };
  }
  /** Ends the newest container of `jobId` (its last attempt) with `code`. */
  exit(jobId: string, code: number): void {
    const name = [...this.exits.keys()].filter((n) => n.includes(jobId.replace(':', '-'))).at(-1);
    this.exits.get(name as string)?.(code);
  }
}

let emulator: BatchEmulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

async function start(
  rules: RetryRule[],
  attempts = 3,
  timeoutSeconds?: number,
  imageFor: BatchEmulatorOptions['imageFor'] = () => ({ image: 'image' }),
) {
  const launcher = new ScriptedLauncher();
  emulator = new BatchEmulator({
    definitions: [definition(rules, attempts, timeoutSeconds)],
    jobQueues: [QUEUE],
    launcher,
    imageFor,
    roleEnvironment: { ROLE: 'yes' },
    region: 'us-east-1',
    accountId: '000000000000',
    capacityVcpus: 4,
    stopGraceSeconds: 0,
    namePrefix: 'test',
  });
  const endpoint = await emulator.start();
  const client = new BatchClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const describe = async (jobId: string): Promise<JobDetail> => {
    const { jobs = [] } = await client.send(new DescribeJobsCommand({ jobs: [jobId] }));
    return jobs[0] as JobDetail;
  };
  const until = async (jobId: string, status: string) => {
    while ((await describe(jobId)).status !== status) await new Promise((r) => setTimeout(r, 20));
    return describe(jobId);
  };
  const submit = async (extra: Partial<ConstructorParameters<typeof SubmitJobCommand>[0]> = {}) =>
    (
      await client.send(
        new SubmitJobCommand({ jobName: 'j', jobQueue: QUEUE, jobDefinition: definition([]).arn, ...extra }),
      )
    ).jobId as string;
  return { launcher, client, describe, until, submit };
}

const clientOf = (client: BatchClient) => () => client;

const STACK_RULES: RetryRule[] = [
  { action: 'RETRY', onStatusReason: 'Host EC2*' },
  { action: 'EXIT', onStatusReason: '*' },
];

describe('the local AWS Batch endpoint', () => {
  it('fails a job whose image it cannot run at once, with the reason sweep status shows, never RUNNABLE forever', async () => {
    const cannotRun = 'the local AWS builds no image for job definition D, which needs a GPU';
    const { launcher, client, submit, until } = await start(STACK_RULES, 3, undefined, () => ({ cannotRun }));
    const jobId = await submit({ arrayProperties: { size: 3 } });
    const parent = await until(jobId, 'FAILED');
    expect(parent.arrayProperties?.statusSummary).toEqual({ FAILED: 3 });
    expect(launcher.started).toEqual([]);
    const child = await until(`${jobId}:2`, 'FAILED');
    expect(child.statusReason).toBe(`CannotPullContainerError: ${cannotRun}`);
    // What `adgap sweep status` prints under the submission: a failed child's reason, not the parent's.
    const submission = {
      jobId,
      jobName: 'j',
      firstJob: 0,
      jobCount: 3,
      region: 'us-east-1',
      jobQueue: QUEUE,
      jobDefinition: definition([]).arn,
      submittedAt: 'now',
    };
    const [state] = await describeSubmissions([submission], clientOf(client));
    expect(state?.statusReason).toBe('Array Child Job failed');
    expect(await failureReason(state as BatchJobState, clientOf(client))).toBe(
      `CannotPullContainerError: ${cannotRun}`,
    );
    // A single job's own reason.
    const single = await submit();
    await until(single, 'FAILED');
    const [failed] = await describeSubmissions(
      [{ ...submission, jobId: single, jobCount: 1 }],
      clientOf(client),
    );
    expect(await failureReason(failed as BatchJobState, clientOf(client))).toBe(
      `CannotPullContainerError: ${cannotRun}`,
    );
  });

  it('runs an array child with its index, attempt, the role’s and definition’s environment and the Ref:: parameters', async () => {
    const { launcher, submit, until } = await start(STACK_RULES);
    const jobId = await submit({ arrayProperties: { size: 2 } });
    await until(`${jobId}:1`, 'RUNNING');
    const child = launcher.started.find((s) => s.environment.AWS_BATCH_JOB_ARRAY_INDEX === '1');
    expect(child?.command).toEqual(['job', 'run', '--store', 's3://bucket']);
    expect(child?.environment).toMatchObject({
      AWS_BATCH_JOB_ATTEMPT: '1',
      ROLE: 'yes',
      FROM_DEFINITION: 'yes',
    });
    expect(child?.initProcessEnabled).toBe(true);
    launcher.exit(`${jobId}:0`, 0);
    launcher.exit(`${jobId}:1`, 0);
    const parent = await until(jobId, 'SUCCEEDED');
    expect(parent.arrayProperties?.statusSummary).toEqual({ SUCCEEDED: 2 });
  });

  it('retries a reclaimed host under the stack’s rules, as attempt 2', async () => {
    const { launcher, submit, until, describe } = await start(STACK_RULES);
    const jobId = await submit();
    await until(jobId, 'RUNNING');
    const reason = await emulator?.reclaim(jobId);
    while ((await describe(jobId)).attempts?.length !== 1) await new Promise((r) => setTimeout(r, 20));
    await until(jobId, 'RUNNING');
    expect(launcher.started.map((s) => s.environment.AWS_BATCH_JOB_ATTEMPT)).toEqual(['1', '2']);
    launcher.exit(jobId, 0);
    const done = await until(jobId, 'SUCCEEDED');
    expect(done.attempts?.map((a) => a.statusReason)).toEqual([reason, 'Essential container in task exited']);
  });

  it('does not retry a non-zero exit under the stack’s rules (EXIT on *)', async () => {
    const { launcher, submit, until } = await start(STACK_RULES);
    const jobId = await submit();
    await until(jobId, 'RUNNING');
    launcher.exit(jobId, 3);
    const done = await until(jobId, 'FAILED');
    expect(done.attempts).toHaveLength(1);
    expect(done.attempts?.[0]?.container?.exitCode).toBe(3);
  });

  it('a killed container (kill -9) ends its attempt with exit code 137: FAILED under the stack’s rules', async () => {
    const { submit, until } = await start(STACK_RULES);
    const jobId = await submit();
    await until(jobId, 'RUNNING');
    emulator?.kill(jobId);
    const done = await until(jobId, 'FAILED');
    expect(done.attempts?.map((a) => a.container?.exitCode)).toEqual([137]);
    expect(done.statusReason).toBe('Essential container in task exited');
  });

  it('retries when no rule matches, and stops at the attempts limit', async () => {
    const { launcher, submit, until, describe } = await start([{ action: 'EXIT', onExitCode: '4*' }], 2);
    const jobId = await submit();
    await until(jobId, 'RUNNING');
    launcher.exit(jobId, 1);
    while ((await describe(jobId)).attempts?.length !== 1) await new Promise((r) => setTimeout(r, 20));
    await until(jobId, 'RUNNING');
    launcher.exit(jobId, 1);
    const done = await until(jobId, 'FAILED');
    expect(done.attempts?.map((a) => a.container?.exitCode)).toEqual([1, 1]);
  });

  it('applies the first matching rule: an exit code matching EXIT before a catch-all RETRY is not retried', async () => {
    const { launcher, submit, until } = await start([
      { action: 'EXIT', onExitCode: '4*' },
      { action: 'RETRY', onStatusReason: '*' },
    ]);
    const jobId = await submit();
    await until(jobId, 'RUNNING');
    launcher.exit(jobId, 42);
    expect((await until(jobId, 'FAILED')).attempts).toHaveLength(1);
  });

  it('holds a dependent job PENDING until its dependency succeeds', async () => {
    const { launcher, submit, until, describe } = await start(STACK_RULES);
    const first = await submit();
    const second = await submit({ dependsOn: [{ jobId: first }] });
    await until(first, 'RUNNING');
    expect((await describe(second)).status).toBe('PENDING');
    launcher.exit(first, 0);
    await until(second, 'RUNNING');
  });

  it('terminates an array: running children stop, with the reason, and are not retried', async () => {
    const { submit, until, client } = await start(STACK_RULES);
    const jobId = await submit({ arrayProperties: { size: 2 } });
    await until(`${jobId}:0`, 'RUNNING');
    const { jobSummaryList = [] } = await client.send(
      new ListJobsCommand({ arrayJobId: jobId, jobStatus: 'RUNNING' }),
    );
    expect(jobSummaryList.map((j) => j.arrayProperties?.index).sort()).toEqual([0, 1]);
    await client.send(new TerminateJobCommand({ jobId, reason: 'stop it' }));
    const parent = await until(jobId, 'FAILED');
    expect(parent.arrayProperties?.statusSummary).toEqual({ FAILED: 2 });
    const child = await until(`${jobId}:0`, 'FAILED');
    expect(child.statusReason).toBe('stop it');
    expect(child.attempts).toHaveLength(1);
  });

  it('stops an attempt that outlives the definition’s timeout and does not retry it', async () => {
    const { submit, until } = await start([], 3, 0.2);
    const jobId = await submit();
    const done = await until(jobId, 'FAILED');
    expect(done.statusReason).toBe('Job attempt duration exceeded timeout');
    expect(done.attempts).toHaveLength(1);
  });
});
