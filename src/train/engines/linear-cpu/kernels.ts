import { readFileSync } from 'node:fs';
import { featureCount, type LoadedDataset, SPLIT_NAMES, type SplitName } from '../../../datasets/types.js';

/** kernels.as.ts built by `npm run build:kernels`. */
const WASM = new URL('./kernels.wasm', import.meta.url);
const PAGE_BYTES = 65536;
/** wasm32 addresses 4 GiB; a dataset and its scratch beyond that cannot be trained by these kernels. */
const MAX_PAGES = 65536;
/** Rows per kernel call in evaluation: the evaluation stream's draws do not depend on it, only the scratch. */
const EVALUATION_ROWS = 256;

/** A split as the kernels see it: byte addresses in the shared memory. */
export interface SplitLayout {
  count: number;
  /** Row 0 of `count` rows of `stride` float32s. */
  x: number;
  /** `count` u32 byte addresses, one per row: a whole split, or any run of it, is a row list. */
  rows: number;
  /** `count` labels, one byte each. */
  y: number;
}

/**
 * Where everything lives in the memory the worker threads share: the dataset once, then one scratch region
 * per worker slot. Plain data, so it crosses to workers with the memory.
 */
export interface KernelLayout {
  featureCount: number;
  /** Floats per row: featureCount rounded up to a multiple of 8 (the kernels step by two 4-lane vectors). */
  stride: number;
  /** Pixel data: attacks clip to [0,1] (protocol.md). */
  clipToUnitBox: boolean;
  splits: Record<SplitName, SplitLayout>;
  /** Rows a slot's scratch holds at once: the largest batch, and at least EVALUATION_ROWS. */
  rowCapacity: number;
  firstSlot: number;
  slotBytes: number;
}

/** The memory (its buffer is a SharedArrayBuffer) and its layout, as the engine hands them to workers. */
export interface SharedKernelData {
  memory: WebAssembly.Memory;
  layout: KernelLayout;
}

export const align = (bytes: number) => Math.ceil(bytes / 16) * 16;

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

/** Bytes of one worker slot's scratch for rows of `stride` floats and `rowCapacity` rows at once. */
export type SlotBytes = (stride: number, rowCapacity: number) => number;

/**
 * Copies `data` into a new shared memory laid out for `slots` workers whose batches have at most `maxBatch`
 * rows, each worker's scratch `slotBytes` long (linear-cpu's by default; mlp-cpu passes its own). Done once per
 * cell on the main thread; every worker then reads the same bytes.
 */
export function shareWithKernels(
  data: LoadedDataset,
  slots: number,
  maxBatch: number,
  slotBytes: SlotBytes = (stride, rows) => slotOffsets(stride, rows).bytes,
): SharedKernelData {
  const d = featureCount(data.featureShape);
  const stride = Math.ceil(d / 8) * 8;
  const rowCapacity = Math.max(maxBatch, EVALUATION_ROWS);
  let at = 0;
  const splits = {} as Record<SplitName, SplitLayout>;
  for (const name of SPLIT_NAMES) {
    const { count } = data.splits[name];
    const x = at;
    const rows = x + count * stride * 4;
    const y = rows + align(count * 4);
    at = y + align(count);
    splits[name] = { count, x, rows, y };
  }
  const slot = { bytes: align(slotBytes(stride, rowCapacity)) };
  const layout: KernelLayout = {
    featureCount: d,
    stride,
    clipToUnitBox: data.pixelRange,
    splits,
    rowCapacity,
    firstSlot: at,
    slotBytes: slot.bytes,
  };
  const pages = Math.ceil((at + slots * slot.bytes) / PAGE_BYTES);
  if (pages > MAX_PAGES)
    throw new RangeError(
      `the dataset and its scratch need ${pages * PAGE_BYTES} bytes, more than the 4 GiB the kernels address`,
    );
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const f32 = new Float32Array(memory.buffer);
  const u32 = new Uint32Array(memory.buffer);
  const u8 = new Uint8Array(memory.buffer);
  for (const name of SPLIT_NAMES) {
    const split = data.splits[name];
    const { x, rows, y, count } = splits[name];
    for (let i = 0; i < count; i++) {
      const row = x + i * stride * 4;
      f32.set(split.x.subarray(i * d, (i + 1) * d), row / 4);
      u32[rows / 4 + i] = row;
    }
    u8.set(split.y.subarray(0, count), y);
  }
  return { memory, layout };
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

/** Compiled kernel modules by file: each worker compiles a module once and instantiates it on the shared memory. */
const compiled = new Map<string, WebAssembly.Module>();

/** The exports of the kernels built to `wasm`, instantiated on `memory`. */
function instantiateKernels<Exports>(wasm: URL, memory: WebAssembly.Memory): Exports {
  let module = compiled.get(wasm.href);
  if (!module) {
    module = new WebAssembly.Module(readFileSync(wasm));
    compiled.set(wasm.href, module);
  }
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Exports;
}

/** Where a slot's row lists and work rows lie, in bytes from the slot's start. */
export interface RowListOffsets {
  batchRows: number;
  workRows: number;
  work: number;
}

/**
 * What every engine's handle on its kernels holds: the kernels built to a wasm file (`Exports`), the shared
 * dataset, one worker slot, and the slot's two row lists. Row lists are byte addresses (SplitLayout.rows,
 * `batchRows`, `workRows`), and `f32`, `u32` and `u8` view the whole memory (index: address / 4, or address).
 */
export abstract class KernelSlot<Exports> {
  readonly featureCount: number;
  readonly stride: number;
  readonly clipToUnitBox: boolean;
  readonly rowCapacity: number;
  readonly f32: Float32Array;
  readonly u32: Uint32Array;
  readonly u8: Uint8Array;
  /** rowCapacity rows of scratch (adversarial rows and PGD iterates), listed by `workRows`. */
  readonly work: Float32Array;
  /** Row lists (byte addresses): the current batch in its split, and the rows of `work`. */
  readonly batchRows: number;
  readonly workRows: number;
  /** The slot's first byte: the subclass's buffers lie at offsets from it. */
  protected readonly base: number;
  protected readonly exports: Exports;
  private readonly layout: KernelLayout;
  private readonly batchRowList: Uint32Array;

  protected constructor(wasm: URL, { memory, layout }: SharedKernelData, slot: number, at: RowListOffsets) {
    this.exports = instantiateKernels<Exports>(wasm, memory);
    this.layout = layout;
    const { stride, rowCapacity } = layout;
    this.featureCount = layout.featureCount;
    this.stride = stride;
    this.clipToUnitBox = layout.clipToUnitBox;
    this.rowCapacity = rowCapacity;
    const buffer = memory.buffer;
    this.f32 = new Float32Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.u8 = new Uint8Array(buffer);
    const base = layout.firstSlot + slot * layout.slotBytes;
    this.base = base;
    this.work = new Float32Array(buffer, base + at.work, rowCapacity * stride);
    this.batchRows = base + at.batchRows;
    this.batchRowList = new Uint32Array(buffer, this.batchRows, rowCapacity);
    this.workRows = base + at.workRows;
    const workRowList = new Uint32Array(buffer, this.workRows, rowCapacity);
    for (let i = 0; i < rowCapacity; i++) workRowList[i] = this.work.byteOffset + i * stride * 4;
  }

  /** `length` float32s of the slot from `offset` bytes into it. */
  protected floats(offset: number, length: number): Float32Array {
    return new Float32Array(this.f32.buffer, this.base + offset, length);
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
}

/** One worker's handle on linear-cpu's kernels. The slot's vectors are typed views the caller fills and reads. */
export class Kernels extends KernelSlot<KernelExports> {
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
  pgdStep(origins: number, n: number, norm: 'linf' | 'l2', eps: number): void {
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
