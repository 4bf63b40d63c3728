import type { Random } from '../../../random.js';
import type { AttackSpec } from '../../modes.js';

/** What a random start reads of a worker's kernels: the shared memory's views and the rows' shape. */
export interface RowMemory {
  f32: Float32Array;
  u32: Uint32Array;
  featureCount: number;
  stride: number;
  clipToUnitBox: boolean;
}

/**
 * PGD's random start from `random`, drawn exactly as attacks.ts's randomStart draws it (row by row, each draw
 * rounded to float32 as tfjs stores it), added to the clean rows `origins` (a row list) and boxed for pixel
 * data, into n contiguous rows of `work`. `row` is scratch of featureCount float64s. Both wasm engines call it,
 * so every engine starts PGD identically.
 */
export function randomStartRows(
  memory: RowMemory,
  origins: number,
  n: number,
  spec: AttackSpec,
  random: Random,
  row: Float64Array,
  work: Float32Array,
): void {
  const { f32, u32, stride } = memory;
  const d = memory.featureCount;
  const clip = memory.clipToUnitBox;
  for (let i = 0; i < n; i++) {
    const x = (u32[origins / 4 + i] as number) / 4;
    const out = i * stride;
    let scale = 1;
    if (spec.norm === 'linf') {
      for (let j = 0; j < d; j++) row[j] = Math.fround((2 * random.uniform() - 1) * spec.eps);
    } else if (clip) {
      // advertorch's rule: towards a uniform point of the box, scaled down onto the ball.
      let squared = 0;
      for (let j = 0; j < d; j++) {
        const delta = Math.fround(Math.fround(random.uniform()) - (f32[x + j] as number));
        row[j] = delta;
        squared += delta * delta;
      }
      scale = Math.min(1, spec.eps / Math.max(Math.sqrt(squared), 1e-30));
    } else {
      let squared = 0;
      for (let j = 0; j < d; j++) {
        const g = Math.fround(random.normal());
        row[j] = g;
        squared += g * g;
      }
      scale = spec.eps / Math.max(Math.sqrt(squared), 1e-30);
    }
    for (let j = 0; j < d; j++) {
      const start = (f32[x + j] as number) + (row[j] as number) * scale;
      work[out + j] = clip ? Math.min(Math.max(start, 0), 1) : start;
    }
  }
}
