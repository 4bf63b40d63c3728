import { Random, TrainingStream } from '../../../random.js';
import { initLinear } from '../../init.js';
import { MLP_HIDDEN } from '../../protocol.js';
import type { RunSpec } from '../../run-spec.js';
import { type FinishedRun, trainTogether } from '../wasm-worker/train-together.js';
import type { MlpKernels } from './kernels.js';
import {
  createMlpModel,
  createMlpWorkspace,
  evaluateMlp,
  evaluateRobustMlp,
  type MlpInit,
  type MlpModel,
  trainStep,
} from './mlp-model.js';

/** models.ts's MLP initialisation from the run's init stream: the hidden layer's draws, then the output's. */
export function initMlp(featureCount: number, seed: number): MlpInit {
  const random = Random.stream(seed, TrainingStream.init);
  const hidden = initLinear(featureCount, MLP_HIDDEN, random);
  return { hidden, output: initLinear(MLP_HIDDEN, 2, random) };
}

/** linear-cpu's trainTogether for MLPs: the group's runs share batches and initial weights (sameBatchesKey). */
export function trainMlpGroup(
  runs: readonly RunSpec[],
  kernels: MlpKernels,
  onFinished: (finished: FinishedRun) => void,
): void {
  trainTogether<MlpModel>(
    runs,
    kernels,
    (first) => {
      const init = initMlp(kernels.featureCount, first.seed);
      const ws = createMlpWorkspace(kernels);
      return {
        models: runs.map((run) => createMlpModel(run, init, kernels.stride)),
        trainStep: (model, batch) => trainStep(model, ws, batch),
        current: (model) => model.parameters,
        copy: (model) => model.parameters.map((p) => p.slice()),
        evaluate: (parameters, split, lossBatchSize) => evaluateMlp(parameters, ws, split, lossBatchSize),
        evaluateRobust: (parameters, split, spec, random) =>
          evaluateRobustMlp(parameters, ws, split, spec, random),
      };
    },
    onFinished,
  );
}
