import type { SplitName } from '../../../datasets/types.js';
import { Random, TrainingStream } from '../../../random.js';
import { epochBatches } from '../../batches.js';
import { type EarlyStoppingState, observeEpoch } from '../../early-stopping.js';
import type { RunWallTime, TrainedRun } from '../../engine.js';
import type { RunMetrics, SplitMetrics } from '../../result.js';
import { robustMetrics } from '../../robust.js';
import { type AttackSpec, type RunSpec, trainingAttack } from '../../run-spec.js';
import { SharedWallTime } from '../../run-timing.js';
import { validationLossBatches } from '../../validation-loss.js';
import type { KernelSlot } from './kernel-memory.js';

/** A run's result as a worker sends it to the engine. */
export interface FinishedRun {
  runId: string;
  trained: TrainedRun;
  wallTime: RunWallTime;
}

/** Runs that see the same batches: same seed and batch size (protocol.md), any learning rate or mode. */
export const sameBatchesKey = (run: RunSpec) => `${run.seed}|${run.batchSize}`;

/** What the group's loop keeps of each model, whatever its weights (the type of `best`) are. */
export interface GroupModel {
  run: RunSpec;
  best: unknown;
  stopping: EarlyStoppingState;
  epochsRun: number;
  finished: boolean;
}

/** One CPU engine's models of a group and what the loop does with them, on one worker's kernels. */
export interface GroupTraining<M extends GroupModel> {
  models: M[];
  trainStep(model: M, batch: Uint32Array): void;
  /** The model's current weights, and a copy of them to keep as its best. */
  current(model: M): M['best'];
  copy(model: M): M['best'];
  /** Clean metrics of `weights` on a split; with `lossBatchSize`, the loss is the mean of per-batch means. */
  evaluate(weights: M['best'], split: SplitName, lossBatchSize?: number): SplitMetrics;
  evaluateRobust(weights: M['best'], split: SplitName, spec: AttackSpec, random: Random): SplitMetrics;
}

/**
 * Trains runs that share a seed and batch size together: one permutation per epoch serves all of them, and
 * `start` draws the initial weights once for the group (its time is the group's). Each model stops on its own
 * early-stopping rule; `onFinished` gets its result (best weights restored) as soon as it stops, while the
 * others go on.
 */
export function trainTogether<M extends GroupModel>(
  runs: readonly RunSpec[],
  kernels: KernelSlot<unknown>,
  start: (first: RunSpec) => GroupTraining<M>,
  onFinished: (finished: FinishedRun) => void,
): void {
  const first = runs[0];
  if (!first) return;
  const clock = new SharedWallTime(runs.length);
  const training = start(first);
  const { models } = training;
  const batchRandom = Random.stream(first.seed, TrainingStream.batches);
  const maxEpochs = Math.max(...runs.map((r) => r.maxEpochs));

  for (let epoch = 1; epoch <= maxEpochs; epoch++) {
    const active = models.filter((m) => !m.finished);
    if (active.length === 0) return;
    const activeIndices = models.flatMap((m, index) => (m.finished ? [] : [index]));
    // Model by model within a batch, so the batch's rows stay in cache for every model that shares it.
    for (const batch of epochBatches(kernels.split('train').count, first.batchSize, batchRandom)) {
      for (const model of active) training.trainStep(model, batch);
    }
    const ending: number[] = [];
    for (const [position, model] of active.entries()) {
      model.epochsRun = epoch;
      const validationLoss = training.evaluate(
        training.current(model),
        'validation',
        validationLossBatches(model.run),
      ).loss;
      const observed = observeEpoch(model.stopping, epoch, validationLoss, model.run.patience);
      model.stopping = observed.state;
      if (observed.improved) model.best = training.copy(model);
      if (observed.stop || epoch === model.run.maxEpochs) ending.push(activeIndices[position] as number);
    }
    clock.charge(activeIndices);
    for (const index of ending) {
      const model = models[index] as M;
      model.finished = true;
      const trained = finish(model, training);
      clock.charge([index]);
      onFinished({ runId: model.run.runId, trained, wallTime: clock.seconds(index) });
    }
  }
}

function finish<M extends GroupModel>(model: M, training: GroupTraining<M>): TrainedRun {
  const { best } = model;
  const metrics: RunMetrics = {
    validation: training.evaluate(best, 'validation', validationLossBatches(model.run)),
    testImbalanced: training.evaluate(best, 'testImbalanced'),
    testBalanced: training.evaluate(best, 'testBalanced'),
  };
  const spec = trainingAttack(model.run.mode);
  // In the worker, in the kernels: handing the weights to tfjs's evaluation cost ~0.35 s of main-thread time
  // per gaussian run, more than training it.
  if (spec)
    metrics.robust = robustMetrics(spec, model.run.seed, (attackSpec, random) =>
      training.evaluateRobust(best, 'testBalanced', attackSpec, random),
    );
  return { epochsRun: model.epochsRun, bestEpoch: model.stopping.bestEpoch, metrics };
}
