import { Random, TrainingStream } from '../../random.js';
import type { Ball } from './evaluation.js';

/**
 * Where restart `restart` of sample `sample` (its index in the evaluated split) starts: a point of the ball
 * around its clean row x, written to `out` before any clipping to the box.
 */
export type StartPoint = (sample: number, restart: number, x: Float32Array, out: Float32Array) => void;

/**
 * APGD's random starts (autopgd_base.py's rule): linf x + eps t / ||t||_inf with t uniform in [-1, 1]^d (a
 * point on the ball's surface, not uniform in it); l2 x + eps t / ||t||_2 with t standard normal (uniform on
 * the sphere). Each (sample, restart) draws from its own generator, keyed by the run's seed and the sample, so
 * a start does not depend on which other samples are evaluated, in what order or in what batches: a fast
 * binding that attacks any subset reproduces these starts.
 */
export function seededStarts(seed: number, ball: Ball): StartPoint {
  const key = mix32(seed);
  return (sample, restart, x, out) => {
    const random = Random.stream((key ^ sample) | 0, FIRST_START_STREAM + restart);
    const d = out.length;
    let length = 0;
    for (let j = 0; j < d; j++) {
      const t = Math.fround(ball.norm === 'linf' ? 2 * random.uniform() - 1 : random.normal());
      out[j] = t;
      length = ball.norm === 'linf' ? Math.max(length, Math.abs(t)) : length + t * t;
    }
    const scale = ball.eps / Math.max(ball.norm === 'linf' ? length : Math.sqrt(length), 1e-30);
    for (let j = 0; j < d; j++) out[j] = (x[j] as number) + (out[j] as number) * scale;
  };
}

/**
 * The streams of a (seed, sample) key past every training stream: were a key equal to some run's seed, its
 * starts would still not replay that run's initial weights, batches or attack noise.
 */
const FIRST_START_STREAM = Math.max(...Object.values(TrainingStream)) + 1;

/** murmur3's 32-bit finaliser: a bijection, so distinct seeds give every sample distinct keys. */
function mix32(seed: number): number {
  let z = seed | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}
