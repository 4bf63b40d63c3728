import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `npx tsx test/local-aws.ts` as a person starts it: its answers to a misspelt flag and to a machine without a
 * docker daemon, and a whole start and Ctrl-C with --launcher process, after which its synth folder is gone. Each
 * run gets its own TMPDIR, so the test sees every temporary folder the script makes.
 */
const REPO = fileURLToPath(new URL('../../', import.meta.url));

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'adgap-local-aws-script-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/**
 * The script, as `npx tsx test/local-aws.ts` runs it but without npx in between (whose own exit on Ctrl-C would
 * hide the script's), in its own process group, so that Ctrl-C can reach all of it, as a terminal's does.
 */
function script(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'test/local-aws.ts', ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
}

/** The child's output so far, and its exit code and whole output once it has closed. */
function watch(child: ChildProcess) {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const closed = once(child, 'close').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { stdout: () => stdout, closed };
}

const finished = (child: ChildProcess) => watch(child).closed;

/** A fresh TMPDIR for one run of the script. */
async function ownTmp(name: string): Promise<string> {
  const dir = join(tmp, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir);
  return dir;
}

describe('npx tsx test/local-aws.ts', () => {
  it('says in one line, before any synth, that no docker daemon answers and names --launcher process (exit 1)', async () => {
    const dir = await ownTmp('no-daemon');
    // An address no daemon listens on: the same answer whether or not this machine runs one.
    const out = await finished(
      script([], { TMPDIR: dir, DOCKER_HOST: `unix://${join(dir, 'no-docker.sock')}` }),
    );
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(
      /^local AWS: no docker daemon answers \(docker info: [^\n]+\); start a docker daemon, or run the jobs as host processes with --launcher process \(no docker needed\)\n$/,
    );
    // Nothing of the script's (tsx and node keep their compile caches in TMPDIR too).
    expect((await readdir(dir)).filter((name) => name.startsWith('adgap-'))).toEqual([]);
  }, 60_000);

  it('refuses an unknown --launcher, naming the allowed ones (exit 1)', async () => {
    const out = await finished(script(['--launcher', 'proc'], { TMPDIR: await ownTmp('proc') }));
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /^local AWS: --launcher must be docker or process \(got 'proc'\); usage: [^\n]+\n$/,
    );
  }, 60_000);

  it('starts the synthesized stack with --launcher process, and on Ctrl-C stops and removes its synth folder', async () => {
    const dir = await ownTmp('process');
    const outputs = join(dir, 'cdk-outputs.json');
    const child = script(['--launcher', 'process', '--outputs', outputs], { TMPDIR: dir });
    const output = watch(child);
    while (!output.stdout().includes('# then:')) {
      if (child.exitCode !== null) throw new Error(`the script exited: ${(await output.closed).stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const up = output.stdout();
    expect(up).toMatch(
      /^# local AWS up: bucket s3:\/\/adgap-local-bucket, results API http:\/\/127\.0\.0\.1:\d+\/\n/,
    );
    expect(up).toMatch(/^export ADGAP_BATCH_ENDPOINT=http:\/\/127\.0\.0\.1:\d+$/m);
    const outputsFile = JSON.parse(await readFile(outputs, 'utf8')) as { Adgap: { BucketName: string } };
    expect(outputsFile.Adgap.BucketName).toBe('adgap-local-bucket');
    expect((await readdir(dir)).filter((name) => name.startsWith('adgap-local-aws-synth-'))).toHaveLength(1);
    // Ctrl-C: SIGINT to the foreground process group (the script and the servers it started).
    process.kill(-(child.pid as number), 'SIGINT');
    const out = await output.closed;
    expect(out.code).toBe(0);
    // Its synth output and the local S3's folder are gone.
    expect(
      (await readdir(dir)).filter((name) => name.startsWith('adgap-')),
      out.stderr,
    ).toEqual([]);
  }, 600_000);
});
