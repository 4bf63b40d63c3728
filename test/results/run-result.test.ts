import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { RESULT_SCHEMA_VERSION, runResult, runResultJsonSchema } from '../../src/results/run-result.js';
import { expandRuns } from '../../src/sweep/expand.js';
import { parseSweepFile } from '../../src/sweep/schema.js';
import { syntheticResult } from '../helpers/synthetic-sweep.js';

const committed = async () =>
  JSON.parse(await readFile(new URL('../../schemas/run-result.schema.json', import.meta.url), 'utf8'));

const runs = expandRuns(
  parseSweepFile({
    name: 'schema',
    datasets: ['gaussian', 'cifar10'],
    R: [2],
    seeds: [2],
    learningRates: [0.1],
    modes: ['standard', { norm: 'l2', eps: [1] }],
  }),
);

describe('the run result JSON Schema', () => {
  it('is the one generated from the zod schema (run `npm run schemas` after changing src/results/run-result.ts)', async () => {
    expect(await committed()).toEqual(runResultJsonSchema());
  });

  it("takes the result runResult builds from an engine's outcome, and refuses it with an unknown field", async () => {
    const validate = addFormats.default(new Ajv2020({ allErrors: true })).compile(await committed());
    for (const [index, run] of runs.entries()) {
      const { metrics, epochsRun, bestEpoch, checkpoints } = syntheticResult('schema-0123abcd', run, index);
      const result = runResult(
        'schema-0123abcd',
        { name: 'mlp-cpu', backend: 'wasm-simd' },
        {
          run,
          trained: {
            epochsRun,
            bestEpoch,
            metrics,
            checkpoints: checkpoints ?? { lastEpoch: { epoch: 1, ...metrics } },
          },
          runWallSeconds: 2,
          cellWallSeconds: 3,
        },
        new Date(0),
      );
      expect(validate(result), JSON.stringify(validate.errors)).toBe(true);
      expect(result).toMatchObject({
        schemaVersion: RESULT_SCHEMA_VERSION,
        finishedAt: '1970-01-01T00:00:00.000Z',
      });
      expect(validate({ ...result, wallSeconds: 2 })).toBe(false);
    }
  });
});
