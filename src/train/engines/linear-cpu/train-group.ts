import { Random, TrainingStream } from '../../../random.js';
import { epochBatches } from '../../batches.js';
import { observeEpoch } from '../../early-stopping.js';
import type { RunWallTime, TrainedRun } from '../../engine.js';
import { initLinear } from '../../init.js';
import type { RunMetrics } from '../../result.js';
import { robustMetrics } from '../../robust.js';
import { type RunSpec, trainingAttack } from '../../run-spec.js';
import { SharedWallTime } from '../../run-timing.js';
import { validationLossBatches } from '../../validation-loss.js';
import type { Kernels } from './kernels.js';
import {
  createLinearModel,
  createWorkspace,
  evaluateLinear,
  evaluateRobustLinear,
  type LinearModel,
  trainStep,
  type Workspace,
} from './linear-model.js';

/** A run's result as a worker sends it to the engine. */
export interface FinishedRun {
  runId: string;
  trained: TrainedRun;
  wallTime: RunWallTime;
}

/** Runs that see the same batches: same seed and batch size (protocol.md), any learning rate or mode. */
export const sameBatchesKey = (run: RunSpec) => `${run.seed}|${run.batchSize}`;

/**
 * Trains runs that share a seed and batch size together: one permutation per epoch serves all of them, and the
 * initial weights are drawn once. Each model stops on its own early-stopping rule; `onFinished` gets its result
 * (best weights restored) as soon as it stops, while the others go on.
 */
export function trainGroup(
  runs: readonly RunSpec[],
  kernels: Kernels,
  onFinished: (finished: FinishedRun) => void,
): void {
  const first = runs[0];
  if (!first) return;
  const clock = new SharedWallTime(runs.length);
  const init = initLinear(kernels.featureCount, 2, Random.stream(first.seed, TrainingStream.init));
  const models = runs.map((run) => createLinearModel(run, init));
  const batchRandom = Random.stream(first.seed, TrainingStream.batches);
  const ws = createWorkspace(kernels);
  const maxEpochs = Math.max(...runs.map((r) => r.maxEpochs));

  for (let epoch = 1; epoch <= maxEpochs; epoch++) {
    const active = models.filter((m) => !m.finished);
    if (active.length === 0) return;
    const activeIndices = models.flatMap((m, index) => (m.finished ? [] : [index]));
    // Model by model within a batch, so the batch's rows stay in cache for every model that shares it.
    for (const batch of epochBatches(kernels.split('train').count, first.batchSize, batchRandom)) {
      for (const model of active) trainStep(model, ws, batch);
    }
    const ending: number[] = [];
    for (const [position, model] of active.entries()) {
      model.epochsRun = epoch;
      const validationLoss = evaluateLinear(
        model.p0,
        model.p1,
        ws,
        'validation',
        validationLossBatches(model.run),
      ).loss;
      const observed = observeEpoch(model.stopping, epoch, validationLoss, model.run.patience);
      model.stopping = observed.state;
      if (observed.improved) model.best = { p0: model.p0.slice(), p1: model.p1.slice() };
      if (observed.stop || epoch === model.run.maxEpochs) ending.push(activeIndices[position] as number);
    }
    clock.charge(activeIndices);
    for (const index of ending) {
      const model = models[index] as LinearModel;
      model.finished = true;
      const trained = finish(model, ws);
      clock.charge([index]);
      onFinished({ runId: model.run.runId, trained, wallTime: clock.seconds(index) });
    }
  }
}

function finish(model: LinearModel, ws: Workspace): TrainedRun {
  const { p0, p1 } = model.best;
  const metrics: RunMetrics = {
    validation: evaluateLinear(p0, p1, ws, 'validation', validationLossBatches(model.run)),
    testImbalanced: evaluateLinear(p0, p1, ws, 'testImbalanced'),
    testBalanced: evaluateLinear(p0, p1, ws, 'testBalanced'),
  };
  const spec = trainingAttack(model.run.mode);
  // In the worker, in the kernels: handing the weights to tfjs's evaluation cost ~0.35 s of main-thread time
  // per gaussian run, more than training it.
  if (spec)
    metrics.robust = robustMetrics(spec, model.run.seed, (attackSpec, random) =>
      evaluateRobustLinear(p0, p1, ws, 'testBalanced', attackSpec, random),
    );
  return { epochsRun: model.epochsRun, bestEpoch: model.stopping.bestEpoch, metrics };
}
