import { featureCount, type LoadedDataset } from '../../../datasets/types.js';
import { Random, TrainingStream } from '../../../random.js';
import { cellBatchStreams, epochSteps, layerWidths, stackedInitialParameters } from '../../cell-schedule.js';
import type { EpochCell } from '../../epoch-driver.js';
import type { ModelEvaluation } from '../../evaluation.js';
import { trainingAttack } from '../../modes.js';
import { ADAM, SGD_MOMENTUM } from '../../protocol.js';
import type { RunSpec } from '../../run-spec.js';
import { withStackedModel } from '../tfjs-shared/evaluate.js';
import type { CudaAddon, NativeCellHandle } from './addon.js';

const OPTIMIZER_CODES = { sgd: 0, 'sgd-momentum': 1, adam: 2 } as const;

/**
 * The cuda engine's stacked cell: StackedCell's contract (stacked-cell.ts: same initial weights, batches,
 * attack streams, update rules and final evaluation; the epoch driver stops both alike) with every step in cell.cu's kernels. The
 * weights, optimiser state and best weights stay on the device; per epoch only the batch indices go there
 * and M validation losses come back. PGD's random start is drawn on the device from each model's attack
 * stream, whose state is handed over here, so no d-sized array crosses per step.
 */
export class CudaCell implements EpochCell {
  private readonly handle: NativeCellHandle;
  private readonly batchStreams: Map<number, Random>;
  /** 1 for the models still training: the device masks the others' updates. */
  private readonly stillTraining: Float32Array;

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
    this.stillTraining = new Float32Array(runs.length).fill(1);
  }

  /** One epoch of every model; a stopped model's updates are zero. */
  trainEpoch(): void {
    const M = this.runs.length;
    for (const indices of epochSteps(this.runs, this.batchStreams, this.data.splits.train.count)) {
      this.addon.step(this.handle, indices, indices.length / M);
    }
  }

  /** Every model's clean validation loss, computed on the device. */
  validationLosses(): Float32Array {
    return this.addon.validationLosses(this.handle);
  }

  /** On the device: the improved models' weights become their best, the stopped ones' updates are masked. */
  observe(improved: readonly number[], stopped: readonly number[]): void {
    const improvedMask = new Uint8Array(this.runs.length);
    for (const index of improved) improvedMask[index] = 1;
    for (const index of stopped) this.stillTraining[index] = 0;
    this.addon.observe(this.handle, improvedMask, this.stillTraining);
  }

  /** Model `index`'s parameters in models.ts's order and layout (its best ones once it finished). */
  parameterValues(index: number, which: 'current' | 'best' = 'current'): Float32Array[] {
    return this.addon.parameters(this.handle, index, which === 'best');
  }

  /** A finished model's best weights, evaluated on the CPU by tfjs's stacked cell's code (withStackedModel). */
  evaluateCurrent<T>(index: number, use: (model: ModelEvaluation) => T): T {
    return withStackedModel(this.runs[index] as RunSpec, this.data, this.parameterValues(index), use);
  }

  evaluateBest<T>(index: number, use: (model: ModelEvaluation) => T): T {
    return withStackedModel(this.runs[index] as RunSpec, this.data, this.parameterValues(index, 'best'), use);
  }

  dispose(): void {
    this.addon.dispose(this.handle);
  }
}
