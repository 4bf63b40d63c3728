import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { JobDefinition, RetryRule } from './cloud-assembly.js';
import type { Container, ContainerLauncher } from './containers.js';

/**
 * AWS Batch on one machine, for the real `@aws-sdk/client-batch` (restJson1 over HTTP): SubmitJob, DescribeJobs,
 * ListJobs, TerminateJob and CancelJob on the job queues and job definitions of a synthesized template. Each
 * job (each child of an array job) passes SUBMITTED -> [PENDING] -> RUNNABLE -> STARTING -> RUNNING ->
 * SUCCEEDED | FAILED, runs in a container as the ECS agent would start it, and is retried by its definition's
 * retry strategy as Batch does. Not emulated: IAM, networking, quotas, compute environment scaling.
 */

type Status = 'SUBMITTED' | 'PENDING' | 'RUNNABLE' | 'STARTING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
const FINAL: ReadonlySet<Status> = new Set(['SUCCEEDED', 'FAILED']);

/** Batch's statusReason for a job whose container exited on its own. */
const CONTAINER_EXITED = 'Essential container in task exited';
const TIMED_OUT = 'Job attempt duration exceeded timeout';

interface Attempt {
  startedAt: number;
  stoppedAt?: number;
  exitCode?: number;
  statusReason?: string;
  logs: string[];
}

/** A SubmitJob dependency: a job id, or for array children N_TO_N (same index) or SEQUENTIAL (the previous index). */
interface Dependency {
  jobId?: string;
  type?: 'N_TO_N' | 'SEQUENTIAL';
}

/** Why the emulator itself stopped a running container (undefined: it exited on its own). */
type StopCause =
  | { kind: 'terminate'; reason: string }
  | { kind: 'reclaim'; reason: string }
  | { kind: 'timeout'; reason: string };

interface Job {
  jobId: string;
  jobName: string;
  jobQueue: string;
  definition: JobDefinition;
  createdAt: number;
  status: Status;
  statusReason?: string;
  startedAt?: number;
  stoppedAt?: number;
  dependsOn: Dependency[];
  parameters: Record<string, string>;
  command: string[];
  environment: Record<string, string>;
  attempts: Attempt[];
  /** Array parents: their children; children: their index and parent. */
  children?: Job[];
  arraySize?: number;
  index?: number;
  parent?: Job;
  containers: Container[];
  stopCause?: StopCause;
}

export interface BatchEmulatorOptions {
  definitions: JobDefinition[];
  jobQueues: string[];
  launcher: ContainerLauncher;
  /**
   * The local image for each job definition (built from its asset), or why the local AWS cannot run it: its jobs
   * then fail at once with that reason, as Batch fails a job whose image cannot be pulled.
   */
  imageFor: (definition: JobDefinition) => { image: string } | { cannotRun: string };
  /** The job role's environment: what a container with the job role gets from the ECS agent. */
  roleEnvironment: Record<string, string>;
  region: string;
  accountId: string;
  /** vCPUs of the one local "instance": jobs start while their vCPUs fit. */
  capacityVcpus: number;
  /** Seconds between SIGTERM and SIGKILL when a container is stopped (ECS_CONTAINER_STOP_TIMEOUT: 30 s). */
  stopGraceSeconds: number;
  /** Prefix of container names on the docker daemon. */
  namePrefix: string;
}

export class BatchEmulator {
  private readonly jobs = new Map<string, Job>();
  private readonly definitions: Map<string, JobDefinition>;
  private server: Server | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** At-least-once delivery: each attempt is started in this many containers at once. */
  deliveries = 1;
  endpoint = '';

  constructor(private readonly options: BatchEmulatorOptions) {
    this.definitions = new Map(options.definitions.map((d) => [d.arn, d]));
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    this.endpoint = `http://127.0.0.1:${address.port}`;
    this.timer = setInterval(() => this.schedule(), 100);
    return this.endpoint;
  }

  /** Stops the endpoint and every container still running (SIGKILL at once). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    const running = [...this.leaves()].flatMap((job) => job.containers);
    await Promise.all(running.map((c) => c.stop(0)));
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /**
   * The host of a running job is reclaimed (Spot): its containers get SIGTERM, then SIGKILL after the grace
   * period, and the attempt ends with the status reason Batch reports for a terminated host.
   */
  async reclaim(jobId: string): Promise<string> {
    const job = this.jobs.get(jobId);
    if (job?.status !== 'RUNNING')
      throw new Error(`job ${jobId} is not running (${job?.status ?? 'unknown'})`);
    const reason = `Host EC2 (instance i-${randomBytes(9).toString('hex').slice(0, 17)}) terminated.`;
    job.stopCause = { kind: 'reclaim', reason };
    await Promise.all(job.containers.map((c) => c.stop(this.options.stopGraceSeconds)));
    return reason;
  }

  /**
   * The containers of a running job are killed at once (kill -9, an out-of-memory kill): the attempt ends with
   * exit code 137, and the definition's retry strategy decides what follows (the stack's: FAILED).
   */
  kill(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (job?.status !== 'RUNNING')
      throw new Error(`job ${jobId} is not running (${job?.status ?? 'unknown'})`);
    for (const container of job.containers) container.kill();
  }

  /** Every job the endpoint knows, children included, with their attempts (for tests and figures). */
  describe(jobId: string): ReturnType<BatchEmulator['detail']> | undefined {
    const job = this.jobs.get(jobId);
    return job && this.detail(job);
  }

  /** The container output of every attempt of every job (the local CloudWatch logs). */
  logs(): string[] {
    return [...this.leaves()].flatMap((job) => job.attempts.flatMap((a) => a.logs));
  }

  /** Jobs that run containers: plain jobs and array children. */
  private *leaves(): Iterable<Job> {
    for (const job of this.jobs.values()) if (job.children === undefined) yield job;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    try {
      const input = body === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
      const out = this.operation(path, input);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    } catch (error) {
      // Batch's client errors: HTTP 400 with the error type in a header and a JSON message.
      res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'ClientException' });
      res.end(JSON.stringify({ message: (error as Error).message }));
    }
  }

  private operation(path: string, input: Record<string, unknown>): unknown {
    switch (path) {
      case '/v1/submitjob':
        return this.submit(input);
      case '/v1/describejobs':
        return {
          jobs: ((input.jobs ?? []) as string[]).flatMap((id) => {
            const job = this.jobs.get(id);
            return job ? [this.detail(job)] : [];
          }),
        };
      case '/v1/listjobs':
        return this.list(input);
      case '/v1/terminatejob':
      case '/v1/canceljob':
        this.terminate(String(input.jobId), String(input.reason ?? ''), path === '/v1/canceljob');
        return {};
      default:
        throw new Error(`the local AWS Batch does not implement ${path}`);
    }
  }

  private submit(input: Record<string, unknown>): { jobArn: string; jobName: string; jobId: string } {
    const jobQueue = String(input.jobQueue);
    if (!this.options.jobQueues.includes(jobQueue)) {
      throw new Error(
        `Job queue ${jobQueue} does not exist (the template has ${this.options.jobQueues.join(', ')})`,
      );
    }
    const name = String(input.jobDefinition);
    // By ARN, by name:revision or by name (the latest, here the only, revision).
    const definition = [...this.definitions.values()].find(
      (d) => d.arn === name || d.arn.endsWith(`/${name}`) || d.arn.endsWith(`/${name}:1`),
    );
    if (definition === undefined) throw new Error(`Job definition ${name} does not exist`);
    const overrides = (input.containerOverrides ?? {}) as {
      command?: string[];
      environment?: { name: string; value: string }[];
    };
    const dependsOn = (input.dependsOn ?? []) as Dependency[];
    for (const { jobId } of dependsOn) {
      if (jobId !== undefined && !this.jobs.has(jobId))
        throw new Error(`Dependent job ${jobId} does not exist`);
    }
    const size = (input.arrayProperties as { size?: number } | undefined)?.size;
    if (size !== undefined && (size < 2 || size > 10_000))
      throw new Error('Array size must be between 2 and 10000');
    const job: Job = {
      jobId: randomUUID(),
      jobName: String(input.jobName),
      jobQueue,
      definition,
      createdAt: Date.now(),
      status: 'SUBMITTED',
      dependsOn,
      parameters: { ...definition.parameters, ...((input.parameters ?? {}) as Record<string, string>) },
      command: overrides.command ?? definition.command,
      environment: {
        ...definition.environment,
        ...Object.fromEntries((overrides.environment ?? []).map((e) => [e.name, e.value])),
      },
      attempts: [],
      containers: [],
    };
    if (size !== undefined) {
      job.arraySize = size;
      job.children = Array.from({ length: size }, (_, index) => ({
        ...job,
        jobId: `${job.jobId}:${index}`,
        jobName: job.jobName,
        index,
        parent: job,
        children: undefined,
        arraySize: undefined,
        attempts: [],
        containers: [],
      }));
      for (const child of job.children) this.jobs.set(child.jobId, child);
    }
    this.jobs.set(job.jobId, job);
    return { jobArn: this.arnOf(job), jobName: job.jobName, jobId: job.jobId };
  }

  private list(input: Record<string, unknown>): unknown {
    const arrayJobId = input.arrayJobId as string | undefined;
    // Without a status filter, ListJobs lists RUNNING jobs only.
    const status = (input.jobStatus as Status | undefined) ?? (input.filters ? undefined : 'RUNNING');
    const jobs = arrayJobId
      ? (this.jobs.get(arrayJobId)?.children ?? [])
      : [...this.jobs.values()].filter((j) => j.parent === undefined && j.jobQueue === input.jobQueue);
    return {
      jobSummaryList: jobs
        .filter((j) => status === undefined || j.status === status)
        .map((j) => ({
          jobArn: this.arnOf(j),
          jobId: j.jobId,
          jobName: j.jobName,
          createdAt: j.createdAt,
          status: j.status,
          statusReason: j.statusReason,
          startedAt: j.startedAt,
          stoppedAt: j.stoppedAt,
          container: { exitCode: j.attempts.at(-1)?.exitCode },
          arrayProperties:
            j.arraySize === undefined
              ? j.index === undefined
                ? undefined
                : { index: j.index }
              : { size: j.arraySize },
        })),
    };
  }

  /**
   * Jobs not yet STARTING are cancelled; STARTING and RUNNING ones are stopped. Either way they end FAILED
   * with the reason given, and no retry. An array parent takes its children with it.
   */
  private terminate(jobId: string, reason: string, cancelOnly: boolean): void {
    const job = this.jobs.get(jobId);
    if (job === undefined) throw new Error(`Job ${jobId} does not exist`);
    for (const leaf of job.children ?? [job]) {
      if (FINAL.has(leaf.status)) continue;
      if (leaf.status === 'STARTING' || leaf.status === 'RUNNING') {
        if (cancelOnly) continue;
        leaf.stopCause = { kind: 'terminate', reason };
        for (const c of leaf.containers) void c.stop(this.options.stopGraceSeconds);
      } else {
        this.finish(leaf, 'FAILED', reason);
      }
    }
  }

  /** One scheduling pass: the state machine of every leaf job, then the parents' states from their children. */
  private schedule(): void {
    let used = [...this.leaves()]
      .filter((j) => j.status === 'STARTING' || j.status === 'RUNNING')
      .reduce((sum, j) => sum + j.definition.vcpus, 0);
    for (const job of this.leaves()) {
      const deps = this.dependenciesOf(job);
      if (job.status === 'SUBMITTED') job.status = deps.length > 0 ? 'PENDING' : 'RUNNABLE';
      if (job.status === 'PENDING') {
        if (deps.some((d) => d?.status === 'FAILED')) this.finish(job, 'FAILED', 'Dependent Job failed');
        else if (deps.every((d) => d?.status === 'SUCCEEDED')) job.status = 'RUNNABLE';
      }
      if (job.status !== 'RUNNABLE') continue;
      const image = this.options.imageFor(job.definition);
      if ('cannotRun' in image) {
        this.finish(job, 'FAILED', `CannotPullContainerError: ${image.cannotRun}`);
        continue;
      }
      if (used + job.definition.vcpus <= this.options.capacityVcpus) {
        used += job.definition.vcpus;
        job.status = 'STARTING';
        this.launch(job, image.image);
      }
    }
    for (const job of this.jobs.values()) if (job.children) this.updateParent(job);
  }

  /** The jobs `job` waits for: its own dependencies, or its parent's as they apply to its index. */
  private dependenciesOf(job: Job): (Job | undefined)[] {
    const parent = job.parent;
    if (parent === undefined) return job.dependsOn.map((d) => this.jobs.get(String(d.jobId)));
    return parent.dependsOn
      .map((d) => {
        if (d.type === 'SEQUENTIAL')
          return job.index === 0 ? undefined : parent.children?.[(job.index ?? 0) - 1];
        if (d.type === 'N_TO_N') return this.jobs.get(`${d.jobId}:${job.index}`);
        return this.jobs.get(String(d.jobId));
      })
      .filter((d, i) => d !== undefined || parent.dependsOn[i]?.type !== 'SEQUENTIAL');
  }

  private launch(job: Job, image: string): void {
    const attempt: Attempt = { startedAt: Date.now(), logs: [] };
    job.attempts.push(attempt);
    job.stopCause = undefined;
    const { definition } = job;
    const environment: Record<string, string> = {
      ...this.options.roleEnvironment,
      ...job.environment,
      AWS_BATCH_JOB_ID: job.jobId,
      AWS_BATCH_JQ_NAME: job.jobQueue.split('/').at(-1) ?? job.jobQueue,
      AWS_BATCH_CE_NAME: 'local',
      AWS_BATCH_JOB_ATTEMPT: String(job.attempts.length),
      ...(job.index === undefined
        ? {}
        : {
            AWS_BATCH_JOB_ARRAY_INDEX: String(job.index),
            AWS_BATCH_JOB_ARRAY_SIZE: String(job.arraySize ?? job.parent?.arraySize),
          }),
    };
    const command = job.command.map((arg) =>
      arg.replace(/^Ref::(.+)$/, (whole, name: string) => job.parameters[name] ?? whole),
    );
    const containerName = (delivery: number) =>
      `${this.options.namePrefix}-${job.jobId.replace(':', '-')}-${job.attempts.length}-${delivery}`;
    job.containers = Array.from({ length: this.deliveries }, (_, delivery) =>
      this.options.launcher.start({
        name: containerName(delivery),
        image,
        command,
        environment,
        vcpus: definition.vcpus,
        memoryMiB: definition.memoryMiB,
        gpus: definition.gpus,
        initProcessEnabled: definition.initProcessEnabled,
      }),
    );
    job.status = 'RUNNING';
    job.startedAt ??= attempt.startedAt;
    const timeout =
      definition.timeoutSeconds === undefined
        ? undefined
        : setTimeout(() => {
            job.stopCause = { kind: 'timeout', reason: TIMED_OUT };
            for (const c of job.containers) void c.stop(this.options.stopGraceSeconds);
          }, definition.timeoutSeconds * 1000);
    // The attempt ends when every delivery has stopped; the first one's exit is the attempt's.
    void Promise.all(job.containers.map((c) => c.exited)).then((codes) => {
      clearTimeout(timeout);
      attempt.logs = job.containers.map((c) => c.output());
      attempt.stoppedAt = Date.now();
      job.containers = [];
      this.attemptEnded(job, attempt, codes[0] ?? 1);
    });
  }

  private attemptEnded(job: Job, attempt: Attempt, exitCode: number): void {
    const cause = job.stopCause;
    if (cause?.kind === 'terminate' || cause?.kind === 'timeout') {
      attempt.statusReason = cause.reason;
      attempt.exitCode = exitCode;
      this.finish(job, 'FAILED', cause.reason);
      return;
    }
    // A reclaimed host reports no exit code: the container died with its instance.
    if (cause?.kind === 'reclaim') attempt.statusReason = cause.reason;
    else {
      attempt.exitCode = exitCode;
      attempt.statusReason = CONTAINER_EXITED;
      if (exitCode === 0) {
        this.finish(job, 'SUCCEEDED', CONTAINER_EXITED);
        return;
      }
    }
    const { attempts, evaluateOnExit } = job.definition.retryStrategy;
    const rule = evaluateOnExit.find((r) => matches(r, attempt));
    // Batch: the first rule that matches decides; when none matches, the job is retried.
    if (job.attempts.length < attempts && (rule === undefined || rule.action === 'RETRY')) {
      job.status = 'RUNNABLE';
      job.statusReason = attempt.statusReason;
    } else {
      this.finish(job, 'FAILED', attempt.statusReason ?? CONTAINER_EXITED);
    }
  }

  private finish(job: Job, status: 'SUCCEEDED' | 'FAILED', reason: string): void {
    job.status = status;
    job.statusReason = reason;
    job.stoppedAt = Date.now();
  }

  /**
   * An array parent is SUBMITTED, then PENDING (once its children exist) for as long as any child has not
   * ended, then SUCCEEDED if every child did, else FAILED: a parent is never RUNNING.
   */
  private updateParent(parent: Job): void {
    const children = parent.children ?? [];
    if (FINAL.has(parent.status)) return;
    if (children.every((c) => FINAL.has(c.status))) {
      const failed = children.some((c) => c.status === 'FAILED');
      this.finish(
        parent,
        failed ? 'FAILED' : 'SUCCEEDED',
        failed ? 'Array Child Job failed' : 'Array Child Job succeeded',
      );
      return;
    }
    parent.status = 'PENDING';
    if (children.some((c) => c.status === 'RUNNING')) parent.startedAt ??= Date.now();
  }

  private arnOf(job: Job): string {
    return `arn:aws:batch:${this.options.region}:${this.options.accountId}:job/${job.jobId}`;
  }

  private detail(job: Job) {
    const last = job.attempts.at(-1);
    const summary = (children: Job[]) => {
      const counts: Record<string, number> = {};
      for (const c of children) counts[c.status] = (counts[c.status] ?? 0) + 1;
      return counts;
    };
    return {
      jobArn: this.arnOf(job),
      jobName: job.jobName,
      jobId: job.jobId,
      jobQueue: job.jobQueue,
      jobDefinition: job.definition.arn,
      status: job.status,
      statusReason: job.statusReason,
      createdAt: job.createdAt,
      startedAt: job.startedAt,
      stoppedAt: job.stoppedAt,
      dependsOn: job.dependsOn,
      parameters: job.parameters,
      retryStrategy: {
        attempts: job.definition.retryStrategy.attempts,
        evaluateOnExit: job.definition.retryStrategy.evaluateOnExit,
      },
      timeout:
        job.definition.timeoutSeconds === undefined
          ? undefined
          : { attemptDurationSeconds: job.definition.timeoutSeconds },
      attempts: job.attempts
        .filter((a) => a.stoppedAt !== undefined)
        .map((a) => ({
          container: { exitCode: a.exitCode },
          startedAt: a.startedAt,
          stoppedAt: a.stoppedAt,
          statusReason: a.statusReason,
        })),
      container: {
        image: job.definition.image.uri,
        command: job.command,
        environment: Object.entries(job.environment).map(([name, value]) => ({ name, value })),
        jobRoleArn: job.definition.jobRoleArn,
        exitCode: last?.exitCode,
      },
      arrayProperties:
        job.children !== undefined
          ? { size: job.arraySize, statusSummary: summary(job.children) }
          : job.index !== undefined
            ? { index: job.index }
            : undefined,
      platformCapabilities: ['EC2'],
    };
  }
}

/** One evaluateOnExit rule against an ended attempt: every condition given must match. */
function matches(rule: RetryRule, attempt: Attempt): boolean {
  const glob = (pattern: string | undefined, value: string | undefined) =>
    pattern === undefined ||
    (value !== undefined &&
      (pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern));
  return (
    glob(rule.onStatusReason, attempt.statusReason) &&
    // `reason` is the container's own reason (e.g. OutOfMemoryError); the local containers report none.
    glob(rule.onReason, '') &&
    glob(rule.onExitCode, attempt.exitCode === undefined ? undefined : String(attempt.exitCode))
  );
}
