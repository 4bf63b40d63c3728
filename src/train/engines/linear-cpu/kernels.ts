import type { LoadedDataset } from '../../../datasets/types.js';
import type { Norm } from '../../modes.js';
import { align, KernelSlot, type SharedKernelData, shareDataset } from '../wasm-worker/kernel-memory.js';

/** kernels.as.ts built by `npm run build:kernels`. */
const WASM = new URL('./kernels.wasm', import.meta.url);

/** Offsets of one slot's buffers from its start (their sizes follow from stride and rowCapacity). */
function slotOffsets(stride: number, rows: number) {
  const vector = align(stride * 4);
  const perRow4 = align(rows * 4);
  let at = 0;
  const next = (bytes: number) => {
    const offset = at;
    at += bytes;
    return offset;
  };
  return {
    v: next(vector),
    direction: next(vector),
    gradient: next(vector),
    weights: next(perRow4),
    steps: next(perRow4),
    batchRows: next(perRow4),
    workRows: next(perRow4),
    dots: next(align(rows * 8)),
    work: next(rows * stride * 4),
    bytes: at,
  };
}

interface KernelExports {
  dotRows(rows: number, n: number, stride: number, v: number, dots: number): void;
  accumulateRows(rows: number, n: number, stride: number, weights: number, gradient: number): void;
  stepRows(
    rows: number,
    n: number,
    stride: number,
    steps: number,
    direction: number,
    clip: boolean,
    work: number,
    v: number,
    dots: number,
  ): void;
  pgdStep(
    work: number,
    origins: number,
    n: number,
    stride: number,
    steps: number,
    direction: number,
    eps: number,
    clip: boolean,
    l2: boolean,
  ): void;
}

/** The dataset in one shared memory with a scratch slot per worker, as linear-cpu's kernels read it. */
export function shareWithLinearKernels(
  data: LoadedDataset,
  slots: number,
  maxBatch: number,
): SharedKernelData {
  return shareDataset(data, slots, maxBatch, (stride, rows) => slotOffsets(stride, rows).bytes);
}

/** One worker's handle on linear-cpu's kernels. The slot's vectors are typed views the caller fills and reads. */
export class LinearKernels extends KernelSlot<KernelExports> {
  /** The model's weights v and the attack's direction, stride float32s each (the padding stays zero). */
  readonly v: Float32Array;
  readonly direction: Float32Array;
  /** stride float32s the gradient kernels add into. */
  readonly gradient: Float32Array;
  /** Per held row: the gradient weight, the signed step size, the dot product. */
  readonly weights: Float32Array;
  readonly steps: Float32Array;
  readonly dots: Float64Array;

  constructor(shared: SharedKernelData, slot: number) {
    const at = slotOffsets(shared.layout.stride, shared.layout.rowCapacity);
    super(WASM, shared, slot, at);
    const { stride, rowCapacity } = this;
    // The kernels take byte addresses: each view's byteOffset is its buffer's address.
    this.v = this.floats(at.v, stride);
    this.direction = this.floats(at.direction, stride);
    this.gradient = this.floats(at.gradient, stride);
    this.weights = this.floats(at.weights, rowCapacity);
    this.steps = this.floats(at.steps, rowCapacity);
    this.dots = new Float64Array(this.f32.buffer, this.base + at.dots, rowCapacity);
  }

  /** dots_i = row_i . v. */
  dotRows(rows: number, n: number): void {
    this.exports.dotRows(rows, n, this.stride, this.v.byteOffset, this.dots.byteOffset);
  }

  /** gradient += sum_i weights_i row_i. */
  accumulateRows(rows: number, n: number): void {
    this.exports.accumulateRows(rows, n, this.stride, this.weights.byteOffset, this.gradient.byteOffset);
  }

  /** work_i = box(row_i + steps_i direction), dots_i = work_i . v. */
  stepRows(rows: number, n: number): void {
    const { steps, direction, work, v, dots } = this;
    this.exports.stepRows(
      rows,
      n,
      this.stride,
      steps.byteOffset,
      direction.byteOffset,
      this.clipToUnitBox,
      work.byteOffset,
      v.byteOffset,
      dots.byteOffset,
    );
  }

  /** One PGD step of the iterates in `work` around the clean rows `origins`. */
  pgdStep(origins: number, n: number, norm: Norm, eps: number): void {
    const { work, steps, direction } = this;
    const l2 = norm === 'l2';
    this.exports.pgdStep(
      work.byteOffset,
      origins,
      n,
      this.stride,
      steps.byteOffset,
      direction.byteOffset,
      eps,
      this.clipToUnitBox,
      l2,
    );
  }
}
