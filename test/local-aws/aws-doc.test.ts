import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adgap, CLI } from '../helpers/cli.js';
import { type LocalAws, startLocalAws, synthesizeInProcess } from '../support/local-aws/local-aws.js';

/**
 * docs/aws.md's rehearsed commands, read out of the page itself and run in order by bash against the local AWS
 * (the synthesized stack, jobs as host processes), in a folder holding the stack outputs file as `cdk deploy
 * --outputs-file cdk-outputs.json` would write it. `npx adgap` is this checkout's CLI.
 */
const DOC = new URL('../../docs/aws.md', import.meta.url);

/** The ```sh blocks that follow a line `*(rehearsed)*`, in page order. */
function rehearsedBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const pattern = /^\*\(rehearsed\)\*\n```sh\n([\s\S]*?)\n```$/gm;
  for (const match of markdown.matchAll(pattern)) blocks.push(match[1] as string);
  return blocks;
}

let aws: LocalAws;
let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'adgap-aws-doc-'));
  await synthesizeInProcess(join(folder, 'cdk.out'));
  aws = await startLocalAws({
    cdkOut: join(folder, 'cdk.out'),
    launcher: 'process',
    outputsFile: join(folder, 'cdk-outputs.json'),
    capacityVcpus: 2,
    stopGraceSeconds: 1,
  });
}, 300_000);
afterAll(async () => {
  await aws?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

async function bash(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-c', script], {
    cwd: folder,
    env: { ...process.env, ...aws.env, ADGAP_TEST_CLI: CLI },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const [code] = await once(child, 'close');
  return { code: code as number | null, stdout, stderr };
}

describe('docs/aws.md on the local AWS', () => {
  it('has the rehearsed commands this test expects: plan, a first group, status, report, the API, cancel', async () => {
    const blocks = rehearsedBlocks(await readFile(DOC, 'utf8'));
    const all = blocks.join('\n');
    for (const command of [
      'npx adgap paper --plan --runner batch',
      'npx adgap paper --runner batch --queue cpu --groups gaussian',
      'npx adgap sweep status $SWEEP',
      'npx adgap report $SWEEP',
      'curl ',
      'npx adgap sweep cancel $SWEEP',
    ])
      expect(all).toContain(command);
  });

  it('runs every rehearsed command, in order, as the page shows it', async () => {
    const blocks = rehearsedBlocks(await readFile(DOC, 'utf8'));
    const script = [
      'set -euo pipefail',
      // The page's `npx adgap` is this checkout's CLI; anything else is what npx would run.
      'npx() { if [ "$1" = adgap ]; then shift; node "$ADGAP_TEST_CLI" "$@"; else command npx "$@"; fi; }',
      ...blocks.flatMap((block, i) => [block, `echo "### after block ${i + 1}"`]),
    ].join('\n');
    const out = await bash(script);
    expect(out.code, `${out.stderr}\n${out.stdout}`).toBe(0);
    const outputOf = (i: number) => {
      const start = i === 0 ? 0 : out.stdout.indexOf(`### after block ${i}\n`);
      return out.stdout.slice(start, out.stdout.indexOf(`### after block ${i + 1}\n`));
    };
    const blockOf = (command: string) => blocks.findIndex((b) => b.includes(command));
    expect(outputOf(blockOf('paper --plan'))).toMatch(
      /cost on AWS Batch[^\n]*\n {2}cpu queue \(the one --queue cpu submits to\): [\d,.]+ vCPU-hours/,
    );
    expect(outputOf(blockOf('--groups gaussian'))).toMatch(
      /^sweep: paper-[0-9a-f]{8}\n[\s\S]*submitted to AWS Batch:\n/m,
    );
    const followed = outputOf(blockOf('sweep status'));
    expect(followed).toContain('runs: 6360 planned, ');
    expect(followed).toContain('AWS Batch jobs (planned jobs by state):');
    // The API's report, through the signed curl of the page: JSON of the same sweep.
    const sweepId = /^sweep: (paper-[0-9a-f]{8})$/m.exec(out.stdout)?.[1] as string;
    expect(outputOf(blockOf('curl '))).toContain(`"sweepId":"${sweepId}"`);
    expect(outputOf(blockOf('sweep cancel'))).toMatch(
      /^(terminated: [^\n]+\nfinished results are kept|sweep \S+ has no AWS Batch jobs queued or running)/m,
    );
  }, 900_000);

  it('fails a job on the GPU queue at once, and sweep status says why (the local AWS has no GPU image)', async () => {
    const file = join(folder, 'gpu.yaml');
    await writeFile(
      file,
      'name: gpu-queue\ndatasets: [{ group: gaussian, sizes: { train: 40, validation: 10, test: 10 } }]\nR: [2]\nseeds: [1, 2]\nlearningRates: [0.01]\nepochs: 2\nmodes: [standard]\n',
    );
    const run = await adgap(
      ['sweep', 'run', file, '--runner', 'batch', '--outputs', aws.outputsFile, '--store', aws.storeUri],
      aws.env,
    );
    expect(run.code, run.stderr).toBe(0);
    const sweepId = /^sweep: (\S+)$/m.exec(run.stdout)?.[1] as string;
    let status = '';
    for (let tries = 0; !status.includes('failed: '); tries += 1) {
      if (tries > 300) throw new Error(`no failure after ${tries} tries:\n${status}`);
      status = (await adgap(['sweep', 'status', sweepId, '--store', aws.storeUri], aws.env)).stdout;
    }
    expect(status).toMatch(
      / FAILED: FAILED 1\n {4}failed: CannotPullContainerError: the local AWS builds no image for job definition \S+, which needs a GPU; submit to the CPU queue \(--queue cpu\)\n/,
    );
  }, 300_000);
});
