/**
 * The local AWS: the adgap stack of a `cdk synth` on this machine, to rehearse a cloud sweep before deploying.
 * S3 is the S3-compatible server (with conditional writes), AWS Batch runs the template's job definitions in
 * docker (--network host) or, with --launcher process, as host processes, and the results API is the template's
 * function behind a local function URL.
 *
 *   npx tsx test/local-aws.ts [--cdk-out cdk.out] [--outputs cdk-outputs.local.json] [--launcher docker|process]
 *
 * Without --cdk-out it runs `cdk synth` first, into a temporary folder removed when it stops. It writes the stack
 * outputs file, prints the environment the CLI needs, and runs until Ctrl-C. Docker needs a daemon and the
 * trainer's base images (see .ci/docker-e2e); without a daemon it says so in one line, before the synth, and
 * exits 1. See docs/runners.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { dockerProblem } from './support/local-aws/containers.js';
import { type LocalAws, startLocalAws, synthesize } from './support/local-aws/local-aws.js';

const LAUNCHERS = ['docker', 'process'] as const;
const USAGE =
  'npx tsx test/local-aws.ts [--cdk-out DIR] [--outputs FILE] [--launcher docker|process] (docs/runners.md)';

/** One line on stderr and exit status 1: what is wrong and what to do. */
function fail(message: string): never {
  process.stderr.write(`local AWS: ${message}\n`);
  process.exit(1);
}

let values: { 'cdk-out'?: string; outputs: string; launcher: string };
try {
  ({ values } = parseArgs({
    options: {
      'cdk-out': { type: 'string' },
      outputs: { type: 'string', default: 'cdk-outputs.local.json' },
      launcher: { type: 'string', default: 'docker' },
    },
  }) as { values: typeof values });
} catch (error) {
  fail(`${(error as Error).message}; usage: ${USAGE}`);
}
const launcher = values.launcher as (typeof LAUNCHERS)[number];
if (!LAUNCHERS.includes(launcher))
  fail(`--launcher must be ${LAUNCHERS.join(' or ')} (got '${values.launcher}'); usage: ${USAGE}`);
if (launcher === 'docker') {
  const problem = await dockerProblem();
  if (problem !== undefined)
    fail(
      `${problem}; start a docker daemon, or run the jobs as host processes with --launcher process (no docker needed)`,
    );
}

// The synth output this script made, removed however it ends (Ctrl-C, a failed start).
let synthFolder: string | undefined;
const removeSynth = () =>
  synthFolder === undefined ? Promise.resolve() : rm(synthFolder, { recursive: true, force: true });
let aws: LocalAws;
try {
  let cdkOut = values['cdk-out'];
  if (cdkOut === undefined) {
    synthFolder = await mkdtemp(join(tmpdir(), 'adgap-local-aws-synth-'));
    cdkOut = synthFolder;
    console.error(`cdk synth -> ${cdkOut}`);
    await synthesize(cdkOut);
  }
  if (launcher === 'docker') console.error('building the job definitions’ images (docker build)…');
  aws = await startLocalAws({ cdkOut, launcher, outputsFile: resolve(values.outputs) });
} catch (error) {
  await removeSynth();
  fail((error as Error).message);
}
const exports = Object.entries(aws.env).map(([name, value]) => `export ${name}=${value}`);
process.stdout.write(
  [
    `# local AWS up: bucket ${aws.storeUri}, results API ${aws.apiUrl}`,
    `# stack outputs: ${aws.outputsFile}`,
    ...exports,
    `# then: npx adgap sweep run <sweep.yaml> --runner batch --queue cpu --outputs ${aws.outputsFile} --store ${aws.storeUri}`,
    '',
  ].join('\n'),
);
const stop = () =>
  void aws
    .stop()
    .then(removeSynth)
    .then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
