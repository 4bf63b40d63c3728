import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Split } from '../../../src/datasets/types.js';
import { MLP_HIDDEN } from '../../../src/train/protocol.js';
import { APGD_CE, apgd } from '../../../src/train/robustness/apgd.js';
import type { Ball } from '../../../src/train/robustness/evaluation.js';
import { type MlpWeights, mlpClassifier } from '../../../src/train/robustness/mlp-classifier.js';
import { seededStarts } from '../../../src/train/robustness/random-start.js';
import { mlpFixture } from './fixtures.js';

const PEER = fileURLToPath(new URL('./apgd_peer.py', import.meta.url));

/** A python3 that imports torch (Debian's python3-torch installs it for /usr/bin/python3). */
const python = ['python3', '/usr/bin/python3'].find(
  (candidate) => spawnSync(candidate, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0,
);

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** Writes the peer's inputs, runs it on the same starts, and returns what it found. */
function runPeer(weights: MlpWeights, data: Split, ball: Ball, starts: Float32Array[]) {
  const folder = mkdtempSync(join(tmpdir(), 'adgap-apgd-peer-'));
  folders.push(folder);
  const d = weights.hidden.featureCount;
  const meta = {
    features: d,
    hidden: MLP_HIDDEN,
    samples: data.count,
    norm: ball.norm,
    // The float32 radius the TypeScript iterates use, so both sides clip to the same bounds.
    eps: Math.fround(ball.eps),
    clip: ball.clipToUnitBox,
    restarts: starts.length,
    iterations: APGD_CE.iterations,
  };
  writeFileSync(join(folder, 'meta.json'), JSON.stringify(meta));
  const bytes = (a: Float32Array | Uint8Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(join(folder, 'w1.f32'), bytes(weights.hidden.weight));
  writeFileSync(join(folder, 'b1.f32'), bytes(weights.hidden.bias));
  writeFileSync(join(folder, 'w2.f32'), bytes(weights.output.weight));
  writeFileSync(join(folder, 'b2.f32'), bytes(weights.output.bias));
  writeFileSync(join(folder, 'x.f32'), bytes(data.x));
  writeFileSync(join(folder, 'y.u8'), bytes(data.y));
  const all = new Float32Array(starts.length * data.count * d);
  starts.forEach((s, r) => {
    all.set(s, r * data.count * d);
  });
  writeFileSync(join(folder, 'starts.f32'), bytes(all));
  const run = spawnSync(python as string, [PEER, folder], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' },
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as { cleanCorrect: number[]; broken: number[]; bestLoss: number[] };
}

/** Every sample's start for each restart, drawn once, so that both sides start from the same points. */
function drawStarts(data: Split, d: number, ball: Ball, restarts: number): Float32Array[] {
  const seeded = seededStarts(2, ball);
  return Array.from({ length: restarts }, (_, restart) => {
    const starts = new Float32Array(data.count * d);
    for (let i = 0; i < data.count; i++) {
      seeded(i, restart, data.x.subarray(i * d, (i + 1) * d), starts.subarray(i * d, (i + 1) * d));
    }
    return starts;
  });
}

const cases: { ball: Ball; d: number; restarts: number }[] = [
  { ball: { norm: 'linf', eps: 0.12, clipToUnitBox: false }, d: 24, restarts: 1 },
  { ball: { norm: 'l2', eps: 0.45, clipToUnitBox: false }, d: 24, restarts: 1 },
  { ball: { norm: 'linf', eps: 0.04, clipToUnitBox: true }, d: 48, restarts: 1 },
  { ball: { norm: 'l2', eps: 0.25, clipToUnitBox: true }, d: 48, restarts: 2 },
];

describe('APGD-CE and a PyTorch implementation of the same pseudo-code', () => {
  for (const { ball, d, restarts } of cases) {
    const name = `${ball.norm}${ball.clipToUnitBox ? ' in the [0,1] box' : ' unbounded'}, ${restarts} restart(s)`;
    it.skipIf(!python)(
      python
        ? `${name}: the same broken samples, and best losses apart by float32 rounding but for near ties`
        : `${name} (SKIPPED: no python3 with torch; apt-get install python3-torch)`,
      () => {
        const { weights, data } = mlpFixture(d, 240, ball.clipToUnitBox);
        const starts = drawStarts(data, d, ball, restarts);
        const ours = apgd(mlpClassifier(weights), data, {
          ball,
          restarts,
          start: (sample, restart, _x, out) => {
            out.set((starts[restart] as Float32Array).subarray(sample * d, (sample + 1) * d));
          },
        });
        const peer = runPeer(weights, data, ball, starts);
        const count = (flags: ArrayLike<number>) => Array.from(flags).filter((flag) => flag === 1).length;
        // The attack must break some samples and leave others, or agreeing would show little.
        expect(count(ours.broken) - (data.count - count(ours.cleanCorrect))).toBeGreaterThan(
          0.1 * data.count,
        );
        expect(count(ours.broken)).toBeLessThan(0.8 * data.count);
        expect(Array.from(ours.cleanCorrect)).toEqual(peer.cleanCorrect);
        expect(Array.from(ours.broken)).toEqual(peer.broken);
        // Both compute in float32, summing in different orders, so iterates agree to float32 rounding: half the
        // best losses within 1e-7 and 90% within 1e-6. Samples whose loss sits on a plateau near the best see a
        // comparison (an improvement of the best loss, a step that raised the loss) go the other way at a
        // checkpoint, halve at another time and end a little apart: within 1e-5 in these cases, 1e-4 allowed.
        const differences = Array.from(ours.bestLoss, (loss, i) => {
          return Math.abs(loss - (peer.bestLoss[i] as number)) / Math.max(1, Math.abs(loss));
        }).sort((a, b) => a - b);
        expect(differences[Math.floor(0.5 * data.count)]).toBeLessThan(1e-7);
        expect(differences[Math.floor(0.9 * data.count)]).toBeLessThan(1e-6);
        expect(differences.at(-1)).toBeLessThan(1e-4);
      },
    );
  }
});
