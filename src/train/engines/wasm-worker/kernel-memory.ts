import { readFileSync } from 'node:fs';
import { featureCount, type LoadedDataset, SPLIT_NAMES, type SplitName } from '../../../datasets/types.js';

// The memory both wasm engines' worker threads share (the dataset once, a scratch slot per worker) and the
// handle every engine's kernels open on it: what linear-cpu and mlp-cpu lay out alike.

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

/** Bytes of one worker slot's scratch for rows of `stride` floats and `rowCapacity` rows at once. */
export type SlotBytes = (stride: number, rowCapacity: number) => number;

/**
 * Copies `data` into a new shared memory laid out for `slots` workers whose batches have at most `maxBatch`
 * rows, each worker's scratch `slotBytes` long (each engine's kernels have their own). Done once per cell on the
 * main thread; every worker then reads the same bytes.
 */
export function shareDataset(
  data: LoadedDataset,
  slots: number,
  maxBatch: number,
  slotBytes: SlotBytes,
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
