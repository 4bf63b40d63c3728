import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adgap } from '../helpers/cli.js';
import { DEPLOYED_OUTPUTS } from '../support/stack-outputs.js';

const SWEEP_YAML = `name: batch-cli
datasets:
  - group: gaussian
    sizes: { train: 50, validation: 10, test: 10 }
R: [2]
seeds: [2]
learningRates: [0.01]
modes: [standard]
`;

const OUTPUTS = { Adgap: DEPLOYED_OUTPUTS };

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'adgap-batch-cli-'));
  await writeFile(join(dir, 'sweep.yaml'), SWEEP_YAML);
  await writeFile(join(dir, 'outputs.json'), JSON.stringify(OUTPUTS));
  return dir;
}

describe('adgap sweep run --runner batch', () => {
  it('asks for a deployment when the stack outputs file is missing', async () => {
    const dir = await setup();
    const missing = join(dir, 'cdk-outputs.json');
    const out = await adgap([
      'sweep',
      'run',
      join(dir, 'sweep.yaml'),
      '--runner',
      'batch',
      '--outputs',
      missing,
    ]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`${missing} not found: deploy with \`npx cdk deploy --outputs-file`);
  });

  it('names the stack’s bucket as the store to use when given another', async () => {
    const dir = await setup();
    const store = join(dir, 'store');
    const out = await adgap([
      ...['sweep', 'run', join(dir, 'sweep.yaml'), '--runner', 'batch'],
      ...['--outputs', join(dir, 'outputs.json'), '--store', store],
    ]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('use --store s3://adgap-storagebucket-1a2b3c (not ');
  });
});
