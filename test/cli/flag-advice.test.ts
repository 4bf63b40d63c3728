import { describe, expect, it } from 'vitest';
import { cliMessage } from '../../src/cli/flag-advice.js';
import { ValidationError } from '../../src/errors.js';
import { openStore } from '../../src/store/open-store.js';
import { assertEngineTrains } from '../../src/train/engines/capabilities.js';
import type { RunSpec } from '../../src/train/run-spec.js';
import { adgap } from '../helpers/cli.js';

function thrown(action: () => unknown): ValidationError {
  try {
    action();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('nothing was thrown');
}

describe('core errors name no CLI flag; the CLI adds its flags', () => {
  it('a bad store URI is a store error in the core and a --store error on the command line', async () => {
    const error = thrown(() => openStore('ftp://host/x'));
    expect(error.message).toBe(
      "store: 'ftp://host/x' has an unsupported scheme (allowed: a folder path, file:///absolute/path, s3://bucket or s3://bucket/prefix)",
    );
    expect(cliMessage(error)).toBe(
      "--store: 'ftp://host/x' has an unsupported scheme (allowed: a folder path, file:///absolute/path, s3://bucket or s3://bucket/prefix)",
    );
    const out = await adgap(['report', 'nothing-0123abcd', '--store', 'ftp://host/x']);
    expect(out.stderr).toBe(`adgap: ${cliMessage(error)}\n`);
  });

  it('a run linear-cpu cannot train states the fact; the CLI says which --engine to use', () => {
    const mlp = { runId: 's2-lr0.01', model: 'mlp' } as RunSpec;
    const error = thrown(() => assertEngineTrains('linear-cpu', [mlp]));
    expect(error.message).toBe("engine: linear-cpu trains the linear model only (run s2-lr0.01 uses 'mlp')");
    expect(cliMessage(error)).toBe(`${error.message}; use --engine tfjs, or no --engine`);
  });

  it('a chunk size that differs from the stored plan gets --chunk-size advice on the command line only', () => {
    const error = new ValidationError('chunkSize', 'sweep s is already planned with 5 runs per job, not 4');
    expect(error.message).not.toContain('--');
    expect(cliMessage(error)).toBe(
      '--chunk-size: sweep s is already planned with 5 runs per job, not 4; omit --chunk-size to go on with that plan',
    );
  });

  it('leaves every other error as it is', () => {
    const error = new ValidationError('modes[0].norm', "required with 'eps' (allowed: linf, l2)");
    expect(cliMessage(error)).toBe(error.message);
  });
});
