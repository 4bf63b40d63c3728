import { Random } from '../random.js';
import { assembleSplits, type ClassPool, poolSize } from './splits.js';
import type { DatasetRef, LoadedDataset, SyntheticParams } from './types.js';

export function classMean(params: SyntheticParams): Float32Array {
  const mu = new Float32Array(params.dim);
  mu.fill(params.meanValue, 0, Math.min(params.meanNonZero, params.dim));
  return mu;
}

/**
 * x = sign * mu + noise, one pool per class, from its own stream of the data seed (majority: +mu, stream 0;
 * minority: -mu, stream 1), so the data never depend on training seeds (protocol.md).
 */
function pool(params: SyntheticParams, count: number, sign: 1 | -1, noise: () => number): ClassPool {
  const mu = classMean(params);
  const x = new Float32Array(count * params.dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < params.dim; j++)
      x[i * params.dim + j] = sign * (mu[j] as number) + params.noiseScale * noise();
  }
  return { x, featureCount: params.dim };
}

export function generateGaussian(ref: DatasetRef & { synthetic: SyntheticParams }): LoadedDataset {
  const count = poolSize(ref.sizes);
  const majority = Random.stream(ref.dataSeed, 0);
  const minority = Random.stream(ref.dataSeed, 1);
  const pools: [ClassPool, ClassPool] = [
    pool(ref.synthetic, count, 1, () => majority.normal()),
    pool(ref.synthetic, count, -1, () => minority.normal()),
  ];
  return {
    ref,
    featureShape: [ref.synthetic.dim],
    pixelRange: false,
    splits: assembleSplits(pools, ref.sizes, ref.R),
  };
}
