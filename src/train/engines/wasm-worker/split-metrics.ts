import type { SplitName } from '../../../datasets/types.js';
import type { SplitMetrics } from '../../result.js';
import { LossMean } from '../../validation-loss.js';
import type { KernelSlot } from './kernel-memory.js';

/**
 * Loss and per-class counts of a split as both CPU engines evaluate it, summed chunk by chunk from each held
 * row's logit difference u = z1 - z0 (two classes: protocol.md). With `lossBatchSize`, the loss is the mean of
 * per-batch means (the reference's validation loss, validation-loss.ts).
 */
export class Tally {
  private readonly loss: LossMean;
  private readonly correct: [number, number] = [0, 0];
  private readonly total: [number, number] = [0, 0];

  constructor(lossBatchSize?: number) {
    this.loss = new LossMean(lossBatchSize);
  }

  /**
   * The n held rows, with labels `labels` and logit differences u_i = margins_i + c. Ties (u = 0) go to class 0,
   * as tfjs's argMax gives them.
   */
  add(labels: Uint8Array, margins: Float64Array, c: number, n: number): void {
    for (let i = 0; i < n; i++) {
      const u = (margins[i] as number) + c;
      const y = labels[i] as 0 | 1;
      this.loss.add(softplus(y === 0 ? u : -u));
      this.total[y] += 1;
      if ((u > 0 ? 1 : 0) === y) this.correct[y] += 1;
    }
  }

  metrics(): SplitMetrics {
    return { loss: this.loss.mean(), correct: this.correct, total: this.total };
  }
}

/** log(1 + e^t) without overflow. */
function softplus(t: number): number {
  return t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t));
}

/** Calls `chunk(origins, n)` for runs of at most rowCapacity rows of a split, their labels in `ws.labels`. */
export function forChunks(
  ws: { kernels: KernelSlot<unknown>; labels: Uint8Array },
  split: SplitName,
  chunk: (origins: number, n: number) => void,
): void {
  const k = ws.kernels;
  const { count, rows, y } = k.split(split);
  for (let start = 0; start < count; start += k.rowCapacity) {
    const n = Math.min(k.rowCapacity, count - start);
    ws.labels.set(k.u8.subarray(y + start, y + start + n));
    chunk(rows + start * 4, n);
  }
}
