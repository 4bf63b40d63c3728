import { describe, expect, test } from 'vitest';
import type { RunOutcome } from '../../../src/train/engine.js';
import { assertEngineTrains } from '../../../src/train/engines/capabilities.js';
import { createLinearCpuEngine } from '../../../src/train/engines/linear-cpu/engine.js';
import { trainingUnits } from '../../../src/train/engines/wasm-worker/worker-engine.js';
import type { RunSpec } from '../../../src/train/run-spec.js';
import { gaussian, runSpec } from './fixtures/datasets.js';

describe('the linear-cpu engine', () => {
  test('asking it for a non-linear model is an error that names the run', () => {
    const data = gaussian({ train: 64, validation: 10, test: 10 });
    const mlp = { ...runSpec(data, 2, 0.01, { kind: 'standard' }), model: 'mlp' } as unknown as RunSpec;
    expect(() => assertEngineTrains('linear-cpu', [mlp])).toThrow(
      /linear-cpu trains the linear model only \(run s2-lr0.01/,
    );
  });

  test('every run gets its outcome, from worker threads, with early stopping per run', async () => {
    const data = gaussian({ train: 200, validation: 100, test: 100 });
    const runs = [2, 22].flatMap((seed) =>
      [0.1, 0.0001].map((lr) =>
        runSpec(
          data,
          seed,
          lr,
          { kind: 'adversarial', norm: 'l2', eps: 2.5, method: { name: 'one-step' } },
          { maxEpochs: 40, patience: 3 },
        ),
      ),
    );
    const outcomes: RunOutcome[] = [];
    await createLinearCpuEngine(2).train(runs, data, async (o) => {
      outcomes.push(o);
    });
    expect(outcomes.map((o) => o.run.runId).sort()).toEqual(runs.map((r) => r.runId).sort());
    for (const outcome of outcomes) {
      if (!('trained' in outcome)) throw outcome.error;
      // lr 0.1 overshoots and stops early; lr 1e-4 keeps improving for all 40 epochs.
      if (outcome.run.learningRate === 0.1) expect(outcome.trained.epochsRun).toBeLessThan(40);
      else expect(outcome.trained.epochsRun).toBe(40);
    }
  });

  test("runs trained together record their own share of the group's time and the group's time apart", async () => {
    const data = gaussian({ train: 200, validation: 100, test: 100 });
    const rates = [0.1, 0.05, 0.01, 0.005, 0.001, 5e-4, 2e-4, 1e-4];
    const runs = rates.map((lr) =>
      runSpec(data, 2, lr, { kind: 'standard' }, { maxEpochs: 20, patience: 3 }),
    );
    // One worker, 8 runs of one seed: trainingUnits makes 4 units of 2 runs that train together.
    expect(trainingUnits(runs, 1).map((u) => u.length)).toEqual([2, 2, 2, 2]);
    const outcomes = new Map<string, { runWallSeconds: number; cellWallSeconds: number }>();
    await createLinearCpuEngine(1).train(runs, data, async (o) => {
      if ('error' in o) throw o.error;
      outcomes.set(o.run.runId, o);
    });
    for (const unit of trainingUnits(runs, 1)) {
      const [a, b] = unit.map(
        (r) => outcomes.get(r.runId) as { runWallSeconds: number; cellWallSeconds: number },
      );
      if (!a || !b) throw new Error('missing outcome');
      // Each shared at least its first epoch with the other, so its own time is below its group's...
      expect(a.runWallSeconds).toBeLessThan(a.cellWallSeconds);
      expect(b.runWallSeconds).toBeLessThan(b.cellWallSeconds);
      // ...and the two shares add up to no more than the group's time when the last of them ended.
      expect(a.runWallSeconds + b.runWallSeconds).toBeLessThanOrEqual(
        Math.max(a.cellWallSeconds, b.cellWallSeconds),
      );
    }
  });
});
