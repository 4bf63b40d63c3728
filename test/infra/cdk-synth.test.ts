import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('cdk synth', () => {
  it('synthesises without AWS credentials and without docker', async () => {
    const outdir = await mkdtemp(join(tmpdir(), 'adgap-cdk-out-'));
    const empty = await mkdtemp(join(tmpdir(), 'adgap-no-aws-'));
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
    await run('npx', ['cdk', 'synth', '--quiet', '--output', outdir], {
      env: {
        ...env,
        AWS_CONFIG_FILE: join(empty, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(empty, 'credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        // Any docker call (image build, bundling in a container) would run this and fail the synth.
        CDK_DOCKER: '/bin/false',
      },
    });
    const manifest = JSON.parse(await readFile(join(outdir, 'Adgap.assets.json'), 'utf8'));
    expect(Object.keys(manifest.dockerImages)).toHaveLength(2);
    const template = JSON.parse(await readFile(join(outdir, 'Adgap.template.json'), 'utf8'));
    expect(Object.keys(template.Outputs).sort()).toEqual([
      'ApiUrl',
      'BucketName',
      'CpuJobDefinitionArn',
      'CpuJobQueueArn',
      'CpuJobQueueName',
      'GpuJobDefinitionArn',
      'GpuJobQueueArn',
      'GpuJobQueueName',
      'Region',
    ]);
  }, 180_000);
});
