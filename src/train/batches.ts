import type { Random } from '../random.js';

/**
 * The sample indices of each batch of one epoch: a fresh permutation from the run's batch stream, cut into
 * batches of `batchSize` with the last one partial (PyTorch's DataLoader with shuffle=True, drop_last=False).
 */
export function epochBatches(sampleCount: number, batchSize: number, random: Random): Uint32Array[] {
  const order = random.permutation(sampleCount);
  const batches: Uint32Array[] = [];
  for (let start = 0; start < sampleCount; start += batchSize) {
    batches.push(order.subarray(start, Math.min(start + batchSize, sampleCount)));
  }
  return batches;
}
