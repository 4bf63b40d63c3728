import { readFileSync } from 'node:fs';
import type { LoadedDataset, SplitName } from '../../../datasets/types.js';
import { MLP_HIDDEN } from '../../protocol.js';
import {
  align,
  type KernelLayout,
  type SharedKernelData,
  type SplitLayout,
  shareWithKernels,
} from '../linear-cpu/kernels.js';

/** kernels.as.ts built by `npm run build:kernels`. */
const WASM = new URL('./kernels.wasm', import.meta.url);

/** Offsets of one worker slot's buffers from its start. */
function slotOffsets(stride: number, rows: number) {
  const hidden = MLP_HIDDEN;
  let at = 0;
  const next = (bytes: number) => {
    const offset = at;
    at += align(bytes);
    return offset;
  };
  return {
    /** Hidden weights, transposed: `hidden` rows of stride. */
    w: next(hidden * stride * 4),
    bias: next(hidden * 4),
    /** The hidden weights' gradient, laid out as w. */
    gw: next(hidden * stride * 4),
    z: next(rows * hidden * 4),
    dz: next(rows * hidden * 4),
    batchRows: next(rows * 4),
    workRows: next(rows * 4),
    /** Input gradients and attack iterates: `rows` contiguous rows of stride each. */
    grads: next(rows * stride * 4),
    work: next(rows * stride * 4),
    bytes: at,
  };
}

/** The dataset in one shared memory with a scratch slot per worker, as mlp-cpu's kernels read it. */
export function shareWithMlpKernels(data: LoadedDataset, slots: number, maxBatch: number): SharedKernelData {
  return shareWithKernels(data, slots, maxBatch, (stride, rows) => slotOffsets(stride, rows).bytes);
}

interface KernelExports {
  hiddenForward(
    rows: number,
    n: number,
    stride: number,
    w: number,
    hidden: number,
    bias: number,
    z: number,
  ): void;
  inputGradient(dz: number, n: number, hidden: number, w: number, stride: number, out: number): void;
  weightGradient(rows: number, n: number, stride: number, dz: number, hidden: number, gw: number): void;
  stepRows(
    rows: number,
    grads: number,
    n: number,
    stride: number,
    size: number,
    l2: boolean,
    clip: boolean,
    out: number,
  ): void;
  pgdRows(
    work: number,
    origins: number,
    grads: number,
    n: number,
    stride: number,
    size: number,
    eps: number,
    l2: boolean,
    clip: boolean,
  ): void;
}

let compiled: WebAssembly.Module | undefined;

/**
 * One worker's handle on the MLP kernels: the shared dataset, its own slot's scratch (typed views the caller
 * fills and reads), and the compiled loops. Row lists are byte addresses (SplitLayout.rows, `batchRows`,
 * `workRows`); `f32`, `u32` and `u8` view the whole memory.
 */
export class MlpKernels {
  readonly featureCount: number;
  readonly stride: number;
  readonly hidden = MLP_HIDDEN;
  readonly clipToUnitBox: boolean;
  readonly rowCapacity: number;
  readonly f32: Float32Array;
  readonly u32: Uint32Array;
  readonly u8: Uint8Array;
  /** The hidden layer's weights (transposed, hidden x stride, padding zero) and bias the kernels read. */
  readonly w: Float32Array;
  readonly bias: Float32Array;
  /** What weightGradient adds into, laid out as w. */
  readonly gw: Float32Array;
  /** Per held row: the hidden pre-activations, and the loss's gradient with respect to them. */
  readonly z: Float32Array;
  readonly dz: Float32Array;
  /** rowCapacity rows of input gradients, and of attack iterates (listed by `workRows`). */
  readonly grads: Float32Array;
  readonly work: Float32Array;
  readonly batchRows: number;
  readonly workRows: number;
  private readonly exports: KernelExports;
  private readonly layout: KernelLayout;
  private readonly batchRowList: Uint32Array;

  constructor({ memory, layout }: SharedKernelData, slot: number) {
    compiled ??= new WebAssembly.Module(readFileSync(WASM));
    this.exports = new WebAssembly.Instance(compiled, { env: { memory } })
      .exports as unknown as KernelExports;
    this.layout = layout;
    const { stride, rowCapacity } = layout;
    const hidden = MLP_HIDDEN;
    this.featureCount = layout.featureCount;
    this.stride = stride;
    this.clipToUnitBox = layout.clipToUnitBox;
    this.rowCapacity = rowCapacity;
    const buffer = memory.buffer;
    this.f32 = new Float32Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.u8 = new Uint8Array(buffer);
    const base = layout.firstSlot + slot * layout.slotBytes;
    const at = slotOffsets(stride, rowCapacity);
    this.w = new Float32Array(buffer, base + at.w, hidden * stride);
    this.bias = new Float32Array(buffer, base + at.bias, hidden);
    this.gw = new Float32Array(buffer, base + at.gw, hidden * stride);
    this.z = new Float32Array(buffer, base + at.z, rowCapacity * hidden);
    this.dz = new Float32Array(buffer, base + at.dz, rowCapacity * hidden);
    this.grads = new Float32Array(buffer, base + at.grads, rowCapacity * stride);
    this.work = new Float32Array(buffer, base + at.work, rowCapacity * stride);
    this.batchRows = base + at.batchRows;
    this.batchRowList = new Uint32Array(buffer, this.batchRows, rowCapacity);
    this.workRows = base + at.workRows;
    const workRowList = new Uint32Array(buffer, this.workRows, rowCapacity);
    for (let i = 0; i < rowCapacity; i++) workRowList[i] = this.work.byteOffset + i * stride * 4;
  }

  split(name: SplitName): SplitLayout {
    return this.layout.splits[name];
  }

  /** Points `batchRows` at the rows `indices` of `split`. */
  selectBatch(split: SplitLayout, indices: Uint32Array): void {
    const rowBytes = this.stride * 4;
    for (let i = 0; i < indices.length; i++)
      this.batchRowList[i] = split.x + (indices[i] as number) * rowBytes;
  }

  /** z_i = bias + w row_i for the rows `rows`. */
  hiddenForward(rows: number, n: number): void {
    const { w, bias, z } = this;
    this.exports.hiddenForward(
      rows,
      n,
      this.stride,
      w.byteOffset,
      this.hidden,
      bias.byteOffset,
      z.byteOffset,
    );
  }

  /** grads_i = w^T dz_i. */
  inputGradient(n: number): void {
    const { dz, w, grads } = this;
    this.exports.inputGradient(dz.byteOffset, n, this.hidden, w.byteOffset, this.stride, grads.byteOffset);
  }

  /** gw += sum_i dz_i row_i^T. */
  weightGradient(rows: number, n: number): void {
    const { dz, gw } = this;
    this.exports.weightGradient(rows, n, this.stride, dz.byteOffset, this.hidden, gw.byteOffset);
  }

  /** work_i = box(row_i + size direction(grads_i)). */
  stepRows(rows: number, n: number, norm: 'linf' | 'l2', size: number): void {
    const { grads, work } = this;
    this.exports.stepRows(
      rows,
      grads.byteOffset,
      n,
      this.stride,
      size,
      norm === 'l2',
      this.clipToUnitBox,
      work.byteOffset,
    );
  }

  /** One PGD step of the iterates in `work` around the clean rows `origins`, along grads. */
  pgdRows(origins: number, n: number, norm: 'linf' | 'l2', size: number, eps: number): void {
    const { grads, work } = this;
    this.exports.pgdRows(
      work.byteOffset,
      origins,
      grads.byteOffset,
      n,
      this.stride,
      size,
      eps,
      norm === 'l2',
      this.clipToUnitBox,
    );
  }
}
