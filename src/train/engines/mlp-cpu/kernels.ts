import type { LoadedDataset } from '../../../datasets/types.js';
import type { Random } from '../../../random.js';
import type { AttackSpec, Norm } from '../../modes.js';
import { MLP_HIDDEN } from '../../protocol.js';
import { align, KernelSlot, type SharedKernelData, shareDataset } from '../wasm-worker/kernel-memory.js';
import { randomStartRows } from '../wasm-worker/random-start.js';
import { openNativeProducts } from './native/products.js';
import {
  type HiddenLayerProducts,
  type NativeProducts,
  type ProductsChoice,
  WASM_PRODUCTS,
} from './products.js';

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

/** The shared dataset and which hidden-layer products the workers open on it. */
export interface MlpSharedData extends SharedKernelData {
  products: ProductsChoice;
}

/** The dataset in one shared memory with a scratch slot per worker, as mlp-cpu's kernels read it. */
export function shareWithMlpKernels(
  data: LoadedDataset,
  slots: number,
  maxBatch: number,
  products: ProductsChoice = WASM_PRODUCTS,
): MlpSharedData {
  return {
    ...shareDataset(data, slots, maxBatch, (stride, rows) => slotOffsets(stride, rows).bytes),
    products,
  };
}

/** kernels.as.ts's exports: the three products of HiddenLayerProducts, and the rest of a step. */
interface KernelExports extends Omit<HiddenLayerProducts, 'useHiddenWeight'> {
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

/** One worker's handle on the MLP kernels: its slot's buffers are typed views the caller fills and reads. */
export class MlpKernels extends KernelSlot<KernelExports> {
  readonly hidden = MLP_HIDDEN;
  /**
   * The hidden layer's weights (transposed, hidden x stride, padding zero; the wasm kernels' copy, set by
   * useHiddenLayer) and bias the kernels read.
   */
  readonly w: Float32Array;
  readonly bias: Float32Array;
  /** What weightGradient adds into, laid out as w. */
  readonly gw: Float32Array;
  /** Per held row: the hidden pre-activations, and the loss's gradient with respect to them. */
  readonly z: Float32Array;
  readonly dz: Float32Array;
  /** rowCapacity rows of input gradients (the attack iterates are the slot's `work`). */
  readonly grads: Float32Array;
  /** What computes the three products: these kernels or the native addon (shared.products). */
  private readonly products: HiddenLayerProducts;
  private readonly native: NativeProducts | undefined;

  constructor(shared: MlpSharedData, slot: number) {
    const at = slotOffsets(shared.layout.stride, shared.layout.rowCapacity);
    super(WASM, shared, slot, at);
    const { stride, rowCapacity, hidden } = this;
    const wasm = this.exports;
    this.native =
      shared.products.kind === 'native'
        ? openNativeProducts(shared.products, shared.memory, stride, hidden)
        : undefined;
    this.products = this.native ?? {
      useHiddenWeight: (w) => this.w.set(w),
      hiddenForward: wasm.hiddenForward,
      inputGradient: wasm.inputGradient,
      weightGradient: wasm.weightGradient,
    };
    this.w = this.floats(at.w, hidden * stride);
    this.bias = this.floats(at.bias, hidden);
    this.gw = this.floats(at.gw, hidden * stride);
    this.z = this.floats(at.z, rowCapacity * hidden);
    this.dz = this.floats(at.dz, rowCapacity * hidden);
    this.grads = this.floats(at.grads, rowCapacity * stride);
  }

  /** Makes `w` (transposed, as this.w) and `bias` the hidden layer every later product uses. */
  useHiddenLayer(w: Float32Array, bias: Float32Array): void {
    this.products.useHiddenWeight(w);
    this.bias.set(bias);
  }

  /** z_i = bias + w row_i for the rows `rows`. */
  hiddenForward(rows: number, n: number): void {
    const { w, bias, z } = this;
    this.products.hiddenForward(
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
    this.products.inputGradient(dz.byteOffset, n, this.hidden, w.byteOffset, this.stride, grads.byteOffset);
  }

  /** gw += sum_i dz_i row_i^T. */
  weightGradient(rows: number, n: number): void {
    const { dz, gw } = this;
    this.products.weightGradient(rows, n, this.stride, dz.byteOffset, this.hidden, gw.byteOffset);
  }

  /**
   * PGD's random start of the rows `origins` into `work`, drawn from `random` as attacks.ts draws it
   * (random-start.ts; natively for linf where the addon is open, to the same bits). `row` is scratch of
   * featureCount float64s.
   */
  randomStart(origins: number, n: number, spec: AttackSpec, random: Random, row: Float64Array): void {
    if (this.native && spec.norm === 'linf') {
      const state = random.state();
      const { featureCount, clipToUnitBox, work } = this;
      this.native.randomStartLinf(state, origins, n, featureCount, spec.eps, clipToUnitBox, work.byteOffset);
      random.restore(state);
      return;
    }
    randomStartRows(this, origins, n, spec, random, row, this.work);
  }

  /** work_i = box(row_i + size direction(grads_i)). */
  stepRows(rows: number, n: number, norm: Norm, size: number): void {
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
  pgdRows(origins: number, n: number, norm: Norm, size: number, eps: number): void {
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
