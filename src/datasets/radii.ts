import type { ClassPool } from './splits.js';

/** Half the distance between the two class means, per norm: the largest radius of the `eps: auto` rule. */
export interface EpsMax {
  l2: number;
  linf: number;
}

/**
 * protocol.md: eps_max = half the lp distance between the two class means of the training split. It is taken over
 * the first `count` samples of each pool (the training split of R = 1, which contains the training split of
 * every R), so one radius serves every R of a dataset, as in the reference's table, and a figure can draw one
 * line per radius across R. `toFeature` maps a stored value to what the model sees.
 */
export function epsMaxOfPools(
  pools: [ClassPool, ClassPool],
  count: number,
  toFeature: (stored: number) => number,
): EpsMax {
  const d = pools[0].featureCount;
  const mean = (pool: ClassPool) => {
    const sum = new Float64Array(d);
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < d; j++) sum[j] = (sum[j] as number) + toFeature(pool.x[i * d + j] as number);
    }
    return sum.map((s) => s / count);
  };
  const m0 = mean(pools[0]);
  const m1 = mean(pools[1]);
  let squares = 0;
  let largest = 0;
  for (let j = 0; j < d; j++) {
    const diff = Math.abs((m0[j] as number) - (m1[j] as number));
    squares += diff * diff;
    largest = Math.max(largest, diff);
  }
  return { l2: Math.sqrt(squares) / 2, linf: largest / 2 };
}
