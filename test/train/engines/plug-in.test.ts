import { describe, expect, test, vi } from 'vitest';
import { ENGINE_OPTION } from '../../../src/cli/options.js';
import { parseSweepFile } from '../../../src/sweep/schema.js';
import type { RunOutcome } from '../../../src/train/engine.js';
import { createEngine } from '../../../src/train/engines/choose.js';
import type { RunSpec } from '../../../src/train/run-spec.js';
import { gaussian, runSpec } from './fixtures/datasets.js';

// The one table line: fake-gpu (a folder of its own, ./fixtures/fake-engine) first in the engine table.
vi.mock('../../../src/train/engines/table.js', async (importOriginal) => {
  const { ENGINES } = await importOriginal<typeof import('../../../src/train/engines/table.js')>();
  const { fakeGpu } = await import('./fixtures/fake-engine/descriptor.js');
  return { ENGINES: [fakeGpu, ...ENGINES] };
});

const data = gaussian({ train: 64, validation: 10, test: 10 });
const linear = runSpec(data, 2, 0.01, { kind: 'standard' }, { maxEpochs: 100, patience: 3 });
const mlp: RunSpec = { ...linear, model: 'mlp' };
// Stands for the engine table's name type, which does not know a test's engine.
type Named = Parameters<typeof createEngine>[1];

describe('an engine added as a folder and one line of the engine table', () => {
  test('is chosen unasked for what it trains, and trains through the epoch driver', async () => {
    const engine = await createEngine([linear], undefined);
    expect(engine).toMatchObject({ name: 'fake-gpu', backend: 'made-up' });
    const outcomes: RunOutcome[] = [];
    await engine.train([linear], data, async (outcome) => {
      outcomes.push(outcome);
    });
    const [outcome] = outcomes;
    if (!outcome || 'error' in outcome) throw new Error('the run did not train');
    // A loss that never improves after epoch 1 ends the run after `patience` more epochs.
    expect(outcome.trained).toMatchObject({ epochsRun: 4, bestEpoch: 1 });
    expect(outcome.trained.metrics.testBalanced).toEqual({
      loss: Math.LN2,
      correct: [10, 0],
      total: [10, 10],
    });
  });

  test('is passed over for what it cannot train', async () => {
    expect((await createEngine([mlp], undefined)).name).toBe('mlp-cpu');
  });

  test('asked for, refuses what it cannot train, naming the run', async () => {
    await expect(createEngine([mlp], 'fake-gpu' as Named)).rejects.toThrow(
      "engine: fake-gpu trains the linear model only (run s2-lr0.01 uses 'mlp')",
    );
  });

  test("is a value of --engine and of a sweep file's engine", () => {
    const [, description, parse] = ENGINE_OPTION;
    expect(description).toContain('fake-gpu, cuda, linear-cpu, mlp-cpu, tfjs');
    expect(parse('fake-gpu')).toBe('fake-gpu');
    const sweep = {
      name: 's',
      datasets: ['gaussian'],
      R: [1],
      seeds: [2],
      learningRates: [0.1],
      modes: ['standard'],
    };
    expect(parseSweepFile({ ...sweep, engine: 'fake-gpu' }).engine).toBe('fake-gpu');
  });
});
