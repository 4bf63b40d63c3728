import { Random } from '../random.js';
import { type ClassPool, poolSize } from './splits.js';
import { sampleSymmetricStable } from './stable.js';
import type { SplitSizes, SyntheticGroup, SyntheticParams } from './types.js';

/** The stability index of each heavy-tailed group (protocol.md); gaussian noise is N(0, noiseScale^2). */
export const STABLE_ALPHA = { cauchy: 1, holtsmark: 1.5 } as const;

/** How each synthetic group's noise is drawn, recorded in the manifest. */
export function noiseDescription(group: SyntheticGroup): string {
  return group === 'gaussian'
    ? 'i.i.d. normal, standard deviation noiseScale (Box-Muller)'
    : `i.i.d. symmetric alpha-stable, alpha ${STABLE_ALPHA[group]}, scale noiseScale (Chambers-Mallows-Stuck)`;
}

export function classMean(params: SyntheticParams): Float32Array {
  const mu = new Float32Array(params.dim);
  mu.fill(params.meanValue, 0, Math.min(params.meanNonZero, params.dim));
  return mu;
}

function noiseSampler(group: SyntheticGroup, params: SyntheticParams, random: Random): () => number {
  if (group === 'gaussian') return () => params.noiseScale * random.normal();
  const alpha = STABLE_ALPHA[group];
  return () => sampleSymmetricStable(random, alpha, params.noiseScale);
}

/**
 * x = sign * mu + noise, one pool per class, from its own stream of the data seed (majority: +mu, stream 0;
 * minority: -mu, stream 1), so the data never depend on training seeds (protocol.md).
 */
export function syntheticPools(
  group: SyntheticGroup,
  params: SyntheticParams,
  sizes: SplitSizes,
  dataSeed: number,
): [ClassPool<Float32Array>, ClassPool<Float32Array>] {
  const count = poolSize(sizes);
  const mu = classMean(params);
  const pool = (sign: 1 | -1, stream: number): ClassPool<Float32Array> => {
    const noise = noiseSampler(group, params, Random.stream(dataSeed, stream));
    const x = new Float32Array(count * params.dim);
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < params.dim; j++) x[i * params.dim + j] = sign * (mu[j] as number) + noise();
    }
    return { x, featureCount: params.dim };
  };
  return [pool(1, 0), pool(-1, 1)];
}
