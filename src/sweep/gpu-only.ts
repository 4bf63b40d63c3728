import type { DatasetGroup } from '../datasets/types.js';

/**
 * Whether a dataset group trains only on a GPU engine (the cuda addon, tfjs-node-gpu) or AWS Batch's GPU queue:
 * CIFAR-10's MLP with 40-50-step PGD takes days on CPUs (`adgap paper --plan` prints the bound), so `adgap
 * paper` leaves it for a GPU, and a report without its results says where it can train. The one place this is
 * decided; it is to come from the engines' table (what each engine trains, and how fast).
 */
export function trainsOnlyOnGpu(group: DatasetGroup): boolean {
  return group === 'cifar10';
}
