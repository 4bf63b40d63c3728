import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AdgapError } from '../errors.js';
import { jobRunArguments } from '../jobs/job-command.js';
import type { JobEvent } from '../jobs/job-event.js';
import { formatLeaseOwner, type LeaseOwner } from '../results/lease-owner.js';
import { runJobProcesses } from './job-process.js';
import type { Runner, RunnerOutcome, SweepTarget } from './runner.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCKERFILE = 'containers/trainer/Dockerfile';
/** What the image is built from: the files .dockerignore lets into the build context. */
const IMAGE_SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'bin', 'src', DOCKERFILE];
/** The folder a local store is mounted at inside a container. */
const STORE_MOUNT = '/store';
/**
 * What a container needs to reach an S3 store: the endpoint of an S3-compatible server and the standard AWS
 * variables. Passed as `-e NAME`, so docker copies the values from its own environment and no secret appears
 * on a command line.
 */
const S3_ENVIRONMENT = [
  'ADGAP_S3_ENDPOINT',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
];

export type TrainerVariant = 'cpu' | 'gpu';

/**
 * Each job is a container of the trainer image running `adgap job run`, `concurrency` at a time. A local store
 * folder is mounted (no network at all); an S3 store is reached over the host's network, which is also how a
 * container reaches an S3-compatible server on 127.0.0.1. No bridge network is ever created or used. The
 * container runs as the calling user, so what it writes into a mounted folder belongs to that user.
 */
export class DockerRunner implements Runner {
  readonly name = 'docker';

  private readonly concurrency: number;
  private daemon: Promise<string | undefined> | undefined;

  /**
   * `concurrency` defaults to one container per core on a CPU host, and to one on a GPU host: TensorFlow takes
   * (nearly) all of a GPU's memory for one process, so a second container on the same GPU would fail.
   */
  constructor(
    private readonly image: string,
    private readonly variant: TrainerVariant,
    concurrency?: number,
  ) {
    this.concurrency = concurrency ?? dockerConcurrency(variant);
  }

  async runJobs(
    target: SweepTarget,
    jobIndexes: readonly number[],
    onEvent: (event: JobEvent) => void,
  ): Promise<RunnerOutcome> {
    const where = storeAccess(target.store.uri);
    const daemon = await this.daemonId();
    return runJobProcesses(
      jobIndexes,
      this.concurrency,
      (index) => [
        'docker',
        [
          ...this.runArguments(where.dockerArgs, daemon, `adgap-${target.sweepId}-job${index}`),
          ...jobRunArguments(where.storeUri, target.sweepId, { job: index }),
        ],
      ],
      onEvent,
    );
  }

  /**
   * A container this daemon ran for a job is gone when docker no longer knows it (--rm removed it) or it no
   * longer runs: a container killed (OOM, `docker kill`, a daemon restart) cannot release its lease.
   */
  async leaseHolderGone(holder: LeaseOwner): Promise<boolean> {
    if (holder.kind !== 'container' || holder.daemon !== (await this.daemonId())) return false;
    try {
      const format = ['--format', '{{.State.Running}}'];
      const { stdout } = await exec('docker', ['container', 'inspect', ...format, holder.container]);
      return stdout.trim() !== 'true';
    } catch (error) {
      return /no such (container|object)/i.test(String((error as { stderr?: unknown }).stderr ?? ''));
    }
  }

  private runArguments(storeArgs: readonly string[], daemon: string | undefined, prefix: string): string[] {
    const user =
      process.getuid && process.getgid ? ['--user', `${process.getuid()}:${process.getgid()}`] : [];
    const gpus = this.variant === 'gpu' ? ['--gpus', 'all'] : [];
    // Named, and the job told its name as its lease owner, so a later sweep run can ask docker about it.
    const name = `${prefix}-${randomBytes(3).toString('hex')}`;
    const owner =
      daemon === undefined
        ? []
        : ['-e', `ADGAP_LEASE_OWNER=${formatLeaseOwner({ kind: 'container', daemon, container: name })}`];
    return ['run', '--rm', '--name', name, ...owner, ...user, ...gpus, ...storeArgs, this.image];
  }

  /**
   * The daemon's id: a lease names it beside the container, as another machine's daemon may hold a container
   * of the same name (or none). Undefined when the daemon does not answer: jobs then name no container.
   */
  private daemonId(): Promise<string | undefined> {
    this.daemon ??= exec('docker', ['info', '--format', '{{.ID}}']).then(
      ({ stdout }) => stdout.trim() || undefined,
      () => undefined,
    );
    return this.daemon;
  }
}

function storeAccess(storeUri: string): { storeUri: string; dockerArgs: string[] } {
  if (storeUri.startsWith('file://')) {
    return {
      storeUri: STORE_MOUNT,
      dockerArgs: ['--network', 'none', '--volume', `${fileURLToPath(storeUri)}:${STORE_MOUNT}`],
    };
  }
  const env = S3_ENVIRONMENT.filter((name) => process.env[name] !== undefined).flatMap((name) => [
    '-e',
    name,
  ]);
  return { storeUri, dockerArgs: ['--network', 'host', ...env] };
}

/** Containers at once unless told: one per core on a CPU host, one on a GPU host (see the constructor). */
export function dockerConcurrency(variant: TrainerVariant): number {
  return variant === 'gpu' ? 1 : availableParallelism();
}

const exec = promisify(execFile);

/** GPU when the host has one that answers `nvidia-smi` (the NVIDIA driver, which `--gpus all` needs). */
export async function hostVariant(): Promise<TrainerVariant> {
  try {
    await exec('nvidia-smi', ['-L']);
    return 'gpu';
  } catch {
    return 'cpu';
  }
}

/**
 * The trainer image for the current sources, built unless an image with their hash in its tag exists:
 * `adgap-trainer:<variant>-<hash>`. Build output goes to stderr; stdout stays the command's own.
 */
export async function trainerImage(variant: TrainerVariant): Promise<string> {
  const tag = `adgap-trainer:${variant}-${await sourceHash()}`;
  if (await imageExists(tag)) return tag;
  const args = ['build', '--network', 'host', '--target', variant, '-f', DOCKERFILE, '-t', tag, '.'];
  const code = await new Promise<number | null>((resolve, reject) => {
    const build = spawn('docker', args, {
      cwd: REPO_ROOT,
      stdio: ['ignore', process.stderr, process.stderr],
    });
    build.on('error', reject);
    build.on('close', resolve);
  }).catch((error: Error) => {
    throw new AdgapError(`cannot run docker to build the trainer image: ${error.message}`);
  });
  if (code !== 0) throw new AdgapError(`building the trainer image failed (docker ${args.join(' ')})`);
  return tag;
}

async function imageExists(tag: string): Promise<boolean> {
  try {
    await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', tag]);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AdgapError('docker is not installed (or not on PATH); --runner docker needs it');
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    if (/no such image/i.test(stderr)) return false;
    // Anything else (most often: no daemon) would fail the build too, with a less direct message.
    throw new AdgapError(`docker cannot inspect images: ${stderr.trim().split('\n').at(-1) ?? 'no answer'}`);
  }
}

/** A hash of every file the image is built from, by path and content; 12 hex digits name it in a tag. */
async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  const files = (await Promise.all(IMAGE_SOURCES.map((p) => filesUnder(join(REPO_ROOT, p))))).flat().sort();
  for (const file of files) {
    hash.update(`${relative(REPO_ROOT, file)}\0`);
    hash.update(await readFile(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

async function filesUnder(path: string): Promise<string[]> {
  try {
    const entries = await readdir(path, { withFileTypes: true });
    const nested = await Promise.all(entries.map((e) => filesUnder(join(path, e.name))));
    return nested.flat();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return [path];
    throw error;
  }
}
