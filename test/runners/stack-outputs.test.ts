import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/errors.js';
import { parseStackOutputs, readStackOutputs } from '../../src/runners/stack-outputs.js';
import { DEPLOYED_OUTPUTS } from '../support/stack-outputs.js';

const deployed = DEPLOYED_OUTPUTS;

describe('parseStackOutputs', () => {
  it('maps the outputs of the named stack to their adgap names', () => {
    const outputs = parseStackOutputs({ Other: {}, Adgap: deployed }, 'Adgap', 'cdk-outputs.json');
    expect(outputs).toEqual({
      region: 'eu-west-1',
      bucketName: 'adgap-storagebucket-1a2b3c',
      gpuJobQueueName: 'GpuQueue-abc',
      gpuJobQueueArn: deployed.GpuJobQueueArn,
      cpuJobQueueName: 'CpuQueue-def',
      cpuJobQueueArn: deployed.CpuJobQueueArn,
      gpuJobDefinitionArn: deployed.GpuJobDefinitionArn,
      cpuJobDefinitionArn: deployed.CpuJobDefinitionArn,
      apiUrl: deployed.ApiUrl,
    });
  });

  it('names every missing output in one error', () => {
    const { GpuJobQueueArn: _, ApiUrl: __, ...partial } = deployed;
    expect(() => parseStackOutputs({ Adgap: partial }, 'Adgap', 'out.json')).toThrow(ValidationError);
    expect(() => parseStackOutputs({ Adgap: partial }, 'Adgap', 'out.json')).toThrow(
      /lacks the outputs GpuJobQueueArn, ApiUrl/,
    );
  });

  it('lists the stacks it found when the adgap stack is absent', () => {
    expect(() => parseStackOutputs({ Staging: deployed }, 'Adgap', 'out.json')).toThrow(NotFoundError);
    expect(() => parseStackOutputs({ Staging: deployed }, 'Adgap', 'out.json')).toThrow(
      /stacks found: Staging/,
    );
  });

  it('rejects a value that is not the kind of thing its output holds', () => {
    const swapped = { ...deployed, GpuJobQueueArn: deployed.GpuJobQueueName };
    expect(() => parseStackOutputs({ Adgap: swapped }, 'Adgap', 'out.json')).toThrow(
      /out.json: Adgap.GpuJobQueueArn: expected an ARN starting arn:aws:batch:/,
    );
  });

  it('rejects JSON that is not an outputs file', () => {
    expect(() => parseStackOutputs(['Adgap'], 'Adgap', 'out.json')).toThrow(/is not a CDK outputs file/);
  });
});

describe('readStackOutputs', () => {
  it('reads the file cdk deploy wrote', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adgap-outputs-'));
    const file = join(dir, 'cdk-outputs.json');
    await writeFile(file, JSON.stringify({ Adgap: deployed }));
    expect((await readStackOutputs(file)).bucketName).toBe('adgap-storagebucket-1a2b3c');
  });

  it('tells the user to deploy when the file does not exist', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adgap-outputs-'));
    const file = join(dir, 'cdk-outputs.json');
    await expect(readStackOutputs(file)).rejects.toThrow(
      /not found: deploy with `npx cdk deploy --outputs-file/,
    );
  });
});
