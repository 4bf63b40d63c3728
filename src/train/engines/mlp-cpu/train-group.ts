import { Random, TrainingStream } from '../../../random.js';
import { initLinear } from '../../init.js';
import { MLP_HIDDEN } from '../../protocol.js';
import type { RunSpec } from '../../run-spec.js';
import type { GroupModels } from '../wasm-worker/group-cell.js';
import type { MlpKernels } from './kernels.js';
import {
  createMlpModel,
  createMlpWorkspace,
  evaluateMlp,
  evaluateRobustMlp,
  type MlpInit,
  mlpParameters,
  trainStep,
} from './mlp-model.js';

/** models.ts's MLP initialisation from the run's init stream: the hidden layer's draws, then the output's. */
export function initMlp(featureCount: number, seed: number): MlpInit {
  const random = Random.stream(seed, TrainingStream.init);
  const hidden = initLinear(featureCount, MLP_HIDDEN, random);
  return { hidden, output: initLinear(MLP_HIDDEN, 2, random) };
}

/** The MLPs of a group (runs that share batches and initial weights, sameBatchesKey) on one worker's kernels. */
export function mlpGroup(runs: readonly RunSpec[], kernels: MlpKernels): GroupModels<Float32Array[]> {
  const init = initMlp(kernels.featureCount, (runs[0] as RunSpec).seed);
  const ws = createMlpWorkspace(kernels);
  const models = runs.map((run) => createMlpModel(run, init, kernels.stride));
  const model = (index: number) => models[index] as (typeof models)[number];
  return {
    trainCount: kernels.split('train').count,
    trainStep: (index, batch) => trainStep(model(index), ws, batch),
    current: (index) => model(index).parameters,
    copy: (index) => model(index).parameters.map((p) => p.slice()),
    evaluation: (parameters) => ({
      clean: (split, lossBatchSize) => evaluateMlp(parameters, ws, split, lossBatchSize),
      attacked: (split, spec, random) => evaluateRobustMlp(parameters, ws, split, spec, random),
      parameters: () => mlpParameters(parameters, kernels.featureCount),
    }),
  };
}
