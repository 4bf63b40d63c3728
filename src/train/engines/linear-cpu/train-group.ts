import { Random, TrainingStream } from '../../../random.js';
import { initLinear } from '../../init.js';
import type { RunSpec } from '../../run-spec.js';
import { type FinishedRun, trainTogether } from '../wasm-worker/train-together.js';
import type { LinearKernels } from './kernels.js';
import {
  createLinearModel,
  createWorkspace,
  evaluateLinear,
  evaluateRobustLinear,
  type LinearModel,
  trainStep,
} from './linear-model.js';

/** trainTogether for linear models (class 0's and class 1's parameters). */
export function trainGroup(
  runs: readonly RunSpec[],
  kernels: LinearKernels,
  onFinished: (finished: FinishedRun) => void,
): void {
  trainTogether<LinearModel>(
    runs,
    kernels,
    (first) => {
      const init = initLinear(kernels.featureCount, 2, Random.stream(first.seed, TrainingStream.init));
      const ws = createWorkspace(kernels);
      return {
        models: runs.map((run) => createLinearModel(run, init)),
        trainStep: (model, batch) => trainStep(model, ws, batch),
        current: ({ p0, p1 }) => ({ p0, p1 }),
        copy: ({ p0, p1 }) => ({ p0: p0.slice(), p1: p1.slice() }),
        evaluate: ({ p0, p1 }, split, lossBatchSize) => evaluateLinear(p0, p1, ws, split, lossBatchSize),
        evaluateRobust: ({ p0, p1 }, split, spec, random) =>
          evaluateRobustLinear(p0, p1, ws, split, spec, random),
      };
    },
    onFinished,
  );
}
