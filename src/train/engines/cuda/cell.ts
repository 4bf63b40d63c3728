import { featureCount, type LoadedDataset } from '../../../datasets/types.js';
import { Random, TrainingStream } from '../../../random.js';
import {
  cellBatchStreams,
  epochSteps,
  layerWidths,
  observeCellEpoch,
  stackedInitialParameters,
} from '../../cell-schedule.js';
import { type EarlyStoppingState, initialEarlyStopping } from '../../early-stopping.js';
import type { TrainedRun } from '../../engine.js';
import { ADAM, SGD_MOMENTUM } from '../../protocol.js';
import { type RunSpec, trainingAttack } from '../../run-spec.js';
import { cellRunMetrics } from '../tfjs-shared/evaluate.js';
import type { CudaAddon, NativeCellHandle } from './addon.js';

const OPTIMIZER_CODES = { sgd: 0, 'sgd-momentum': 1, adam: 2 } as const;

/**
 * The cuda engine's stacked cell: StackedCell's contract (stacked-cell.ts: same initial weights, batches,
 * attack streams, update rules, early stopping and final metrics) with every step in cell.cu's kernels. The
 * weights, optimiser state and best weights stay on the device; per epoch only the batch indices go there
 * and M validation losses come back. PGD's random start is drawn on the device from each model's attack
 * stream, whose state is handed over here, so no d-sized array crosses per step.
 */
export class CudaCell {
  private readonly handle: NativeCellHandle;
  private readonly batchStreams: Map<number, Random>;
  private readonly stopping: EarlyStoppingState[];
  private readonly finished: boolean[];
  private epochsRun = 0;

  constructor(
    private readonly addon: CudaAddon,
    private readonly runs: readonly RunSpec[],
    private readonly data: LoadedDataset,
  ) {
    const first = runs[0] as RunSpec;
    const widths = layerWidths(first, featureCount(data.featureShape));
    const spec = trainingAttack(first.mode);
    const method = spec?.method;
    const ints = Int32Array.from([
      runs.length,
      widths.length - 1,
      first.batchSize,
      OPTIMIZER_CODES[first.optimizer],
      method === undefined ? 0 : method.name === 'one-step' ? 1 : 2,
      spec?.norm === 'l2' ? 1 : 0,
      method?.name === 'pgd' ? method.steps : 0,
      data.pixelRange ? 1 : 0,
      ...widths,
    ]);
    const doubles = Float64Array.from([
      spec?.eps ?? 0,
      method?.name === 'pgd' ? method.stepSize : 0,
      SGD_MOMENTUM,
      ADAM.beta1,
      ADAM.beta2,
      ADAM.epsilon,
    ]);
    const streams = new Uint32Array(4 * runs.length);
    runs.forEach((r, m) => {
      streams.set(Random.stream(r.seed, TrainingStream.attack).state(), 4 * m);
    });
    const { train, validation } = data.splits;
    this.handle = addon.create(
      ints,
      doubles,
      train.x,
      Int32Array.from(train.y),
      validation.x,
      Int32Array.from(validation.y),
      stackedInitialParameters(runs, widths),
      Float32Array.from(runs, (r) => r.learningRate),
      streams,
    );
    this.batchStreams = cellBatchStreams(runs);
    this.stopping = runs.map(() => initialEarlyStopping);
    this.finished = runs.map(() => false);
  }

  done(): boolean {
    return this.finished.every(Boolean);
  }

  isFinished(index: number): boolean {
    return this.finished[index] === true;
  }

  /** One epoch for every model still training; returns the indexes of the models that finished with it. */
  trainEpoch(): number[] {
    const M = this.runs.length;
    for (const indices of epochSteps(this.runs, this.batchStreams, this.data.splits.train.count)) {
      this.addon.step(this.handle, indices, indices.length / M);
    }
    this.epochsRun += 1;
    const { improved, stillActive, finishedNow } = observeCellEpoch(
      this.runs,
      this.stopping,
      this.finished,
      this.epochsRun,
      this.addon.validationLosses(this.handle),
    );
    this.addon.observe(this.handle, improved, stillActive);
    return finishedNow;
  }

  /** Model `index`'s parameters in models.ts's order and layout (its best ones once it finished). */
  parameterValues(index: number, which: 'current' | 'best' = 'current'): Float32Array[] {
    return this.addon.parameters(this.handle, index, which === 'best');
  }

  /** The metrics of a finished model from its best weights, evaluated as every engine evaluates (on the CPU). */
  result(index: number): TrainedRun {
    return {
      epochsRun: this.epochsRun,
      bestEpoch: (this.stopping[index] as EarlyStoppingState).bestEpoch,
      metrics: cellRunMetrics(this.runs[index] as RunSpec, this.data, this.parameterValues(index, 'best')),
    };
  }

  dispose(): void {
    this.addon.dispose(this.handle);
  }
}
