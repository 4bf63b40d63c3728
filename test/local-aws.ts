/**
 * The local AWS: the adgap stack of a `cdk synth` on this machine, to rehearse a cloud sweep before deploying.
 * S3 is the S3-compatible server (with conditional writes), AWS Batch runs the template's job definitions in
 * docker (--network host), and the results API is the template's function behind a local function URL.
 *
 *   npx tsx test/local-aws.ts [--cdk-out cdk.out] [--outputs cdk-outputs.local.json] [--launcher docker|process]
 *
 * Without --cdk-out it runs `cdk synth` first. It writes the stack outputs file, prints the environment the CLI
 * needs, and runs until Ctrl-C. Docker needs the trainer's base images (see .ci/docker-e2e). See docs/runners.md.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalAws, synthesize } from './support/local-aws/local-aws.js';

const { values } = parseArgs({
  options: {
    'cdk-out': { type: 'string' },
    outputs: { type: 'string', default: 'cdk-outputs.local.json' },
    launcher: { type: 'string', default: 'docker' },
  },
});
const launcher = values.launcher === 'process' ? 'process' : 'docker';
let cdkOut = values['cdk-out'];
if (cdkOut === undefined) {
  cdkOut = await mkdtemp(join(tmpdir(), 'adgap-local-aws-synth-'));
  console.error(`cdk synth -> ${cdkOut}`);
  await synthesize(cdkOut);
}
console.error(launcher === 'docker' ? 'building the job definitions’ images (docker build)…' : '');
const aws = await startLocalAws({ cdkOut, launcher, outputsFile: resolve(values.outputs) });
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
const stop = () => void aws.stop().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
