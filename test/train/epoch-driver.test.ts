import { describe, expect, test } from 'vitest';
import type { RunOutcome } from '../../src/train/engine.js';
import { driveEpochs, type EpochCell } from '../../src/train/epoch-driver.js';
import type { ModelEvaluation } from '../../src/train/evaluation.js';
import type { RunSpec } from '../../src/train/run-spec.js';
import { gaussian, runSpec } from './engines/fixtures/datasets.js';

const data = gaussian({ train: 8, validation: 4, test: 4 });

/**
 * A cell whose "weights" are the epoch count each run has trained, and whose validation loss at epoch e is
 * `losses[run][e - 1]`: what the driver does with it can be checked by hand. Its evaluation reports the
 * weights it was given as the loss of every split.
 */
class ScriptedCell implements EpochCell {
  readonly trained: number[];
  readonly best: number[];
  readonly calls: string[] = [];
  private readonly stopped: boolean[];

  constructor(
    private readonly losses: number[][],
    private readonly failAtEpoch = Number.POSITIVE_INFINITY,
    /** The loss under attack at epoch e, `robustLosses[run][e - 1]` (default: the weights). */
    private readonly robustLosses: number[][] = [],
  ) {
    this.trained = losses.map(() => 0);
    this.best = losses.map(() => 0);
    this.stopped = losses.map(() => false);
  }

  trainEpoch(): void {
    this.losses.forEach((_losses, index) => {
      if (!this.stopped[index]) this.trained[index] = (this.trained[index] as number) + 1;
    });
    if (Math.max(...this.trained) >= this.failAtEpoch) throw new Error('the device fell over');
  }

  validationLosses(): number[] {
    return this.losses.map((losses, index) => losses[(this.trained[index] as number) - 1] as number);
  }

  observe(improved: readonly number[], stopped: readonly number[]): void {
    this.calls.push(`observe ${improved.join(',')} / ${stopped.join(',')}`);
    for (const index of improved) this.best[index] = this.trained[index] as number;
    for (const index of stopped) this.stopped[index] = true;
  }

  evaluateCurrent<T>(index: number, use: (model: ModelEvaluation) => T): T {
    return use(this.evaluation(index, this.trained[index] as number));
  }

  evaluateBest<T>(index: number, use: (model: ModelEvaluation) => T): T {
    return use(this.evaluation(index, this.best[index] as number));
  }

  private evaluation(index: number, weights: number): ModelEvaluation {
    const metrics = (loss: number) => ({
      loss,
      correct: [0, 0] as [number, number],
      total: [1, 1] as [number, number],
    });
    const robust = this.robustLosses[index]?.[weights - 1] ?? weights;
    return {
      clean: () => metrics(weights),
      attacked: () => metrics(robust),
      parameters: () => [Float32Array.of(weights, 0), Float32Array.of(0, 0)],
    };
  }

  dispose(): void {
    this.calls.push('dispose');
  }
}

const run = (seed: number, epochs: { maxEpochs: number; patience: number }): RunSpec =>
  runSpec(data, seed, 0.01, { kind: 'standard' }, epochs);

async function drive(runs: RunSpec[], cell: EpochCell, signal?: AbortSignal): Promise<RunOutcome[]> {
  const outcomes: RunOutcome[] = [];
  await driveEpochs({ runs, open: () => cell, onOutcome: (o) => void outcomes.push(o), signal });
  return outcomes;
}

const trainedOf = (outcome: RunOutcome | undefined) => {
  if (!outcome || 'error' in outcome) throw new Error('expected a trained run');
  return outcome.trained;
};

describe('the epoch driver', () => {
  test('a run stops after `patience` epochs without a strictly lower loss, and reports its best epoch and weights', async () => {
    // Best at epoch 2; epochs 3-5 tie or worsen, so patience 3 ends it at epoch 5.
    const cell = new ScriptedCell([[3, 1, 1, 2, 5, 0]]);
    const [outcome] = await drive([run(2, { maxEpochs: 10, patience: 3 })], cell);
    const trained = trainedOf(outcome);
    expect(trained).toMatchObject({ epochsRun: 5, bestEpoch: 2 });
    // The final metrics are those of the best weights (2 epochs), not of the last ones (5).
    expect(trained.metrics.validation.loss).toBe(2);
    expect(trained.metrics.testBalanced.loss).toBe(2);
    expect(trained.metrics.robust).toBeUndefined();
  });

  test("records the lowest-robust-loss epoch's and the last epoch's clean metrics beside the restored ones", async () => {
    // Clean loss best at epoch 1, robust loss best at epoch 3 (the tie at epoch 4 keeps 3), stops at epoch 4.
    const cell = new ScriptedCell([[1, 2, 3, 4]], Number.POSITIVE_INFINITY, [[9, 5, 2, 2]]);
    const adversarial = runSpec(
      data,
      2,
      0.01,
      { kind: 'adversarial', norm: 'linf', eps: 0.1, method: { name: 'one-step' } },
      { maxEpochs: 10, patience: 3 },
    );
    const trained = trainedOf((await drive([adversarial], cell))[0]);
    expect(trained).toMatchObject({ epochsRun: 4, bestEpoch: 1 });
    expect(trained.metrics.testBalanced.loss).toBe(1);
    // The scripted clean loss of a checkpoint is its epoch: each is the weights of its own epoch.
    expect(trained.checkpoints.robustValidation).toMatchObject({ epoch: 3, robustValidationLoss: 2 });
    expect(trained.checkpoints.robustValidation?.testBalanced.loss).toBe(3);
    expect(trained.checkpoints.lastEpoch).toMatchObject({ epoch: 4, validation: { loss: 4 } });
    expect(trained.checkpoints.lastEpoch.robustValidationLoss).toBeUndefined();
  });

  test('a standard run records its last epoch only (at radius 0 the robust loss is the clean one)', async () => {
    const cell = new ScriptedCell([[3, 1, 2]]);
    const trained = trainedOf((await drive([run(2, { maxEpochs: 3, patience: 5 })], cell))[0]);
    expect(trained.checkpoints).toEqual({ lastEpoch: expect.objectContaining({ epoch: 3 }) });
  });

  test('a run that keeps improving ends at maxEpochs', async () => {
    const cell = new ScriptedCell([[5, 4, 3, 2, 1]]);
    const [outcome] = await drive([run(2, { maxEpochs: 3, patience: 50 })], cell);
    expect(trainedOf(outcome)).toMatchObject({ epochsRun: 3, bestEpoch: 3 });
    expect(cell.calls).toEqual(['observe 0 / ', 'observe 0 / ', 'observe 0 / 0', 'dispose']);
  });

  test('each run stops on its own rule and is reported as it stops, while the others train on', async () => {
    const cell = new ScriptedCell([
      [1, 2, 3, 4, 5, 6],
      [6, 5, 4, 3, 2, 1],
    ]);
    const outcomes = await drive(
      [run(2, { maxEpochs: 6, patience: 2 }), run(22, { maxEpochs: 6, patience: 2 })],
      cell,
    );
    expect(outcomes.map((o) => [o.run.seed, trainedOf(o).epochsRun, trainedOf(o).bestEpoch])).toEqual([
      [2, 3, 1],
      [22, 6, 6],
    ]);
    // The first run's weights stopped changing when it stopped.
    expect(cell.trained).toEqual([3, 6]);
    expect(cell.calls[2]).toBe('observe 1 / 0');
  });

  test("the runs share each epoch's wall time, and a group's time is at least each run's share", async () => {
    const cell = new ScriptedCell([
      [1, 2, 3],
      [3, 2, 1],
    ]);
    const outcomes = await drive(
      [run(2, { maxEpochs: 3, patience: 1 }), run(22, { maxEpochs: 3, patience: 1 })],
      cell,
    );
    const seconds = outcomes.map((o) => ('error' in o ? 0 : o.runWallSeconds));
    const last = outcomes.at(-1) as { cellWallSeconds: number };
    expect((seconds[0] as number) + (seconds[1] as number)).toBeLessThanOrEqual(last.cellWallSeconds);
  });

  test('a cell that throws fails every run without an outcome, with its error, and is disposed', async () => {
    const cell = new ScriptedCell(
      [
        [1, 2, 3, 4],
        [4, 3, 2, 1],
      ],
      3,
    );
    const outcomes = await drive(
      [run(2, { maxEpochs: 4, patience: 1 }), run(22, { maxEpochs: 4, patience: 1 })],
      cell,
    );
    expect(outcomes.map((o) => [o.run.seed, 'error' in o ? o.error.message : 'trained'])).toEqual([
      [2, 'trained'],
      [22, 'the device fell over'],
    ]);
    expect(cell.calls.at(-1)).toBe('dispose');
  });

  test('abort stops the runs between epochs: the runs finished by then are reported, the others get nothing', async () => {
    const abort = new AbortController();
    const cell = new ScriptedCell([
      [1, 2, 3, 4],
      [4, 3, 2, 1],
    ]);
    const outcomes: RunOutcome[] = [];
    await driveEpochs({
      runs: [run(2, { maxEpochs: 4, patience: 1 }), run(22, { maxEpochs: 4, patience: 1 })],
      open: () => cell,
      onOutcome: (o) => {
        outcomes.push(o);
        abort.abort();
      },
      signal: abort.signal,
    });
    expect(outcomes.map((o) => o.run.seed)).toEqual([2]);
    expect(cell.trained).toEqual([2, 2]);
    expect(cell.calls.at(-1)).toBe('dispose');
  });
});
