import { Random, TrainingStream } from '../../../random.js';
import { initLinear } from '../../init.js';
import type { RunSpec } from '../../run-spec.js';
import type { GroupModels } from '../wasm-worker/group-cell.js';
import type { LinearKernels } from './kernels.js';
import {
  createLinearModel,
  createWorkspace,
  evaluateLinear,
  evaluateRobustLinear,
  linearWeights,
  trainStep,
} from './linear-model.js';

/** A linear model's weights: class 0's and class 1's parameters. */
export interface LinearParameters {
  p0: Float64Array;
  p1: Float64Array;
}

/** The linear models of a group (runs that share batches) on one worker's kernels, from one initial draw. */
export function linearGroup(runs: readonly RunSpec[], kernels: LinearKernels): GroupModels<LinearParameters> {
  const first = runs[0] as RunSpec;
  const init = initLinear(kernels.featureCount, 2, Random.stream(first.seed, TrainingStream.init));
  const ws = createWorkspace(kernels);
  const models = runs.map((run) => createLinearModel(run, init));
  const model = (index: number) => models[index] as (typeof models)[number];
  return {
    trainCount: kernels.split('train').count,
    trainStep: (index, batch) => trainStep(model(index), ws, batch),
    current: (index) => ({ p0: model(index).p0, p1: model(index).p1 }),
    copy: (index) => ({ p0: model(index).p0.slice(), p1: model(index).p1.slice() }),
    evaluation: ({ p0, p1 }) => ({
      clean: (split, lossBatchSize) => evaluateLinear(p0, p1, ws, split, lossBatchSize),
      attacked: (split, spec, random) => evaluateRobustLinear(p0, p1, ws, split, spec, random),
      parameters: () => {
        const { weight, bias } = linearWeights({ p0, p1, featureCount: kernels.featureCount });
        return [weight, bias];
      },
    }),
  };
}
