import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { DockerAsset } from './cloud-assembly.js';

/** One attempt of one Batch job, as the ECS agent would start it on a container instance. */
export interface ContainerSpec {
  /** Unique on the docker daemon: prefixed with the local AWS's own name. */
  name: string;
  image: string;
  command: string[];
  environment: Record<string, string>;
  vcpus: number;
  memoryMiB: number;
  gpus: number;
  initProcessEnabled: boolean;
}

export interface Container {
  /** The exit code; resolves once the container has stopped. */
  readonly exited: Promise<number>;
  /** SIGTERM, then SIGKILL after `graceSeconds` (as `docker stop -t` and the ECS agent do). */
  stop(graceSeconds: number): Promise<void>;
  /** SIGKILL at once, as `kill -9` or the kernel's out-of-memory killer would: the job cannot clean up. */
  kill(): void;
  /** stdout and stderr so far (the local CloudWatch log stream). */
  output(): string;
}

export interface ContainerLauncher {
  /** Makes the image of a job definition available (what `cdk deploy` does when it pushes the asset). */
  prepareImage(asset: DockerAsset): Promise<string>;
  start(spec: ContainerSpec): Container;
}

function capture(child: ReturnType<typeof spawn>): () => string {
  let text = '';
  child.stdout?.on('data', (d) => {
    text += d;
  });
  child.stderr?.on('data', (d) => {
    text += d;
  });
  return () => text;
}

function exitCodeOf(child: ReturnType<typeof spawn>): Promise<number> {
  return once(child, 'close').then(([code, signal]) =>
    code === null ? 128 + (signal === 'SIGKILL' ? 9 : 15) : Number(code),
  );
}

/**
 * Containers in the local docker daemon. Host networking only (the daemon may have no bridge, and the
 * containers reach the local S3 and each other on 127.0.0.1); the environment reaches `docker run` through
 * its own environment (`-e NAME`), so values never appear on a command line.
 */
export function dockerLauncher(imagePrefix: string): ContainerLauncher {
  return {
    async prepareImage(asset) {
      const tag = `${imagePrefix}:${asset.hash.slice(0, 16)}`;
      const args = [
        'build',
        '--network',
        'host',
        '-q',
        '-t',
        tag,
        '-f',
        `${asset.directory}/${asset.dockerFile}`,
      ];
      if (asset.target !== undefined) args.push('--target', asset.target);
      const build = spawn('docker', [...args, asset.directory], { stdio: ['ignore', 'pipe', 'pipe'] });
      const output = capture(build);
      const code = await exitCodeOf(build);
      if (code !== 0) throw new Error(`docker build of asset ${asset.hash} failed:\n${output()}`);
      return tag;
    },
    start(spec) {
      const args = ['run', '--rm', '--name', spec.name, '--network', 'host'];
      if (spec.initProcessEnabled) args.push('--init');
      if (spec.vcpus > 0) args.push('--cpus', String(spec.vcpus));
      if (spec.memoryMiB > 0) args.push('--memory', `${spec.memoryMiB}m`);
      if (spec.gpus > 0) args.push('--gpus', String(spec.gpus));
      for (const name of Object.keys(spec.environment)) args.push('-e', name);
      const child = spawn('docker', [...args, spec.image, ...spec.command], {
        env: { PATH: process.env.PATH, ...spec.environment },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output = capture(child);
      return {
        exited: exitCodeOf(child),
        output,
        async stop(graceSeconds) {
          const stop = spawn('docker', ['stop', '-t', String(graceSeconds), spec.name], { stdio: 'ignore' });
          await once(stop, 'close');
        },
        kill() {
          spawn('docker', ['kill', spec.name], { stdio: 'ignore' });
        },
      };
    },
  };
}

const CLI = fileURLToPath(new URL('../../../bin/adgap.js', import.meta.url));

/**
 * The image's entry point (the adgap CLI of this checkout) as a plain process, for tests of the Batch endpoint
 * itself on machines without docker. The docker launcher is the one that runs what the stack deploys.
 */
export function processLauncher(): ContainerLauncher {
  return {
    async prepareImage(asset) {
      return `process:${asset.hash.slice(0, 16)}`;
    },
    start(spec) {
      const child = spawn(process.execPath, [CLI, ...spec.command], {
        env: { PATH: process.env.PATH, ...spec.environment },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output = capture(child);
      const exited = exitCodeOf(child);
      return {
        exited,
        output,
        async stop(graceSeconds) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceSeconds * 1000);
          await exited;
          clearTimeout(timer);
        },
        kill() {
          child.kill('SIGKILL');
        },
      };
    },
  };
}

/**
 * Why docker cannot run the job definitions here, in one line (no docker command, no daemon answering), or
 * undefined when a daemon answers. Asked before the synth and the image build, which would otherwise fail only
 * after them, with a stack trace.
 */
export async function dockerProblem(timeoutMs = 10_000): Promise<string | undefined> {
  const info = spawn('docker', ['info', '--format', '{{.ServerVersion}}'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  info.stderr?.on('data', (d) => {
    stderr += d;
  });
  const timer = setTimeout(() => info.kill('SIGKILL'), timeoutMs);
  const outcome = await new Promise<{ code: number | null } | { error: NodeJS.ErrnoException }>((resolve) => {
    info.once('error', (error) => resolve({ error }));
    info.once('close', (code) => resolve({ code }));
  });
  clearTimeout(timer);
  if ('error' in outcome)
    return outcome.error.code === 'ENOENT'
      ? 'the docker command is not installed'
      : `docker cannot start (${outcome.error.message})`;
  if (outcome.code === 0) return undefined;
  const said = stderr
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line !== '');
  return `no docker daemon answers (docker info: ${said ?? (outcome.code === null ? `no answer in ${timeoutMs / 1000} s` : `exit ${outcome.code}`)})`;
}
