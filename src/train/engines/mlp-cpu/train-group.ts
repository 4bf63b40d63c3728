import { Random, TrainingStream } from '../../../random.js';
import { epochBatches } from '../../batches.js';
import { observeEpoch } from '../../early-stopping.js';
import type { TrainedRun } from '../../engine.js';
import { initLinear } from '../../init.js';
import { MLP_HIDDEN } from '../../protocol.js';
import type { RunMetrics } from '../../result.js';
import { robustMetrics } from '../../robust.js';
import { type RunSpec, trainingAttack } from '../../run-spec.js';
import { SharedWallTime } from '../../run-timing.js';
import type { FinishedRun } from '../linear-cpu/train-group.js';
import type { MlpKernels } from './kernels.js';
import {
  createMlpModel,
  createMlpWorkspace,
  evaluateMlp,
  evaluateRobustMlp,
  type MlpInit,
  type MlpModel,
  type MlpWorkspace,
  trainStep,
} from './mlp-model.js';

/** models.ts's MLP initialisation from the run's init stream: the hidden layer's draws, then the output's. */
export function initMlp(featureCount: number, seed: number): MlpInit {
  const random = Random.stream(seed, TrainingStream.init);
  const hidden = initLinear(featureCount, MLP_HIDDEN, random);
  return { hidden, output: initLinear(MLP_HIDDEN, 2, random) };
}

/**
 * Trains MLP runs that share a seed and batch size together (linear-cpu's sameBatchesKey): one permutation per
 * epoch serves all of them, and the initial weights are drawn once. Each model stops on its own early-stopping
 * rule; `onFinished` gets its result (best weights restored) as soon as it stops, while the others go on.
 */
export function trainMlpGroup(
  runs: readonly RunSpec[],
  kernels: MlpKernels,
  onFinished: (finished: FinishedRun) => void,
): void {
  const first = runs[0];
  if (!first) return;
  const clock = new SharedWallTime(runs.length);
  const init = initMlp(kernels.featureCount, first.seed);
  const models = runs.map((run) => createMlpModel(run, init, kernels.stride));
  const batchRandom = Random.stream(first.seed, TrainingStream.batches);
  const ws = createMlpWorkspace(kernels);
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
      const validationLoss = evaluateMlp(model.parameters, ws, 'validation').loss;
      const observed = observeEpoch(model.stopping, epoch, validationLoss, model.run.patience);
      model.stopping = observed.state;
      if (observed.improved) model.best = model.parameters.map((p) => p.slice());
      if (observed.stop || epoch === model.run.maxEpochs) ending.push(activeIndices[position] as number);
    }
    clock.charge(activeIndices);
    for (const index of ending) {
      const model = models[index] as MlpModel;
      model.finished = true;
      const trained = finish(model, ws);
      clock.charge([index]);
      onFinished({ runId: model.run.runId, trained, wallTime: clock.seconds(index) });
    }
  }
}

function finish(model: MlpModel, ws: MlpWorkspace): TrainedRun {
  const { best } = model;
  const metrics: RunMetrics = {
    validation: evaluateMlp(best, ws, 'validation'),
    testImbalanced: evaluateMlp(best, ws, 'testImbalanced'),
    testBalanced: evaluateMlp(best, ws, 'testBalanced'),
  };
  const spec = trainingAttack(model.run.mode);
  if (spec)
    metrics.robust = robustMetrics(spec, model.run.seed, (attackSpec, random) =>
      evaluateRobustMlp(best, ws, 'testBalanced', attackSpec, random),
    );
  return { epochsRun: model.epochsRun, bestEpoch: model.stopping.bestEpoch, metrics };
}
