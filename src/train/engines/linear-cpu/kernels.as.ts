// The linear-cpu engine's inner loops, in AssemblyScript compiled to WebAssembly with 128-bit SIMD
// (`npm run build:kernels` writes kernels.wasm; test/train/engines/linear-cpu/kernels.test.ts checks that the
// committed binary is this file's build). Why not TypeScript: V8 never vectorises a JS loop, and these loops
// are the engine's whole cost. On the mnist-shaped clipped FGSM step (d = 784, batch 64) the fused step-and-dot
// below takes 0.4 ns per sample-feature and the gradient 0.1 ns, against ~10 ns for the same step in plain
// TypeScript loops over Float32Array (measured on the 2-core development machine).
//
// Conventions (kernels.ts lays the memory out): every row is `stride` float32s, stride a multiple of 8 with
// the padding zero; `rows` points at n u32 byte addresses, one per row, so a batch is read in place from its
// split; `work` is n contiguous rows of scratch. Arithmetic is float32 as in tfjs and PyTorch, with four-lane
// partial sums; dot products are summed across lanes in float64.

import { boxed, laneSum } from '../wasm-worker/simd.as';

/** dots[i] = row_i . v, as float64. */
export function dotRows(rows: usize, n: i32, stride: i32, v: usize, dots: usize): void {
  for (let i = 0; i < n; i++) {
    const row = <usize>load<u32>(rows + (<usize>i << 2));
    let a = f32x4.splat(0);
    let b = f32x4.splat(0);
    for (let j = 0; j < stride; j += 8) {
      const o = <usize>j << 2;
      a = f32x4.add(a, f32x4.mul(v128.load(row + o), v128.load(v + o)));
      b = f32x4.add(b, f32x4.mul(v128.load(row + o, 16), v128.load(v + o, 16)));
    }
    store<f64>(dots + (<usize>i << 3), laneSum(f32x4.add(a, b)));
  }
}

/** gradient += sum_i weights[i] row_i, four rows per sweep over the gradient (its loads and stores bound it). */
export function accumulateRows(rows: usize, n: i32, stride: i32, weights: usize, gradient: usize): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const r0 = <usize>load<u32>(rows + (<usize>i << 2));
    const r1 = <usize>load<u32>(rows + (<usize>(i + 1) << 2));
    const r2 = <usize>load<u32>(rows + (<usize>(i + 2) << 2));
    const r3 = <usize>load<u32>(rows + (<usize>(i + 3) << 2));
    const w0 = f32x4.splat(load<f32>(weights + (<usize>i << 2)));
    const w1 = f32x4.splat(load<f32>(weights + (<usize>(i + 1) << 2)));
    const w2 = f32x4.splat(load<f32>(weights + (<usize>(i + 2) << 2)));
    const w3 = f32x4.splat(load<f32>(weights + (<usize>(i + 3) << 2)));
    for (let j = 0; j < stride; j += 4) {
      const o = <usize>j << 2;
      const sum01 = f32x4.add(f32x4.mul(w0, v128.load(r0 + o)), f32x4.mul(w1, v128.load(r1 + o)));
      const sum23 = f32x4.add(f32x4.mul(w2, v128.load(r2 + o)), f32x4.mul(w3, v128.load(r3 + o)));
      v128.store(gradient + o, f32x4.add(v128.load(gradient + o), f32x4.add(sum01, sum23)));
    }
  }
  for (; i < n; i++) {
    const row = <usize>load<u32>(rows + (<usize>i << 2));
    const w = f32x4.splat(load<f32>(weights + (<usize>i << 2)));
    for (let j = 0; j < stride; j += 4) {
      const o = <usize>j << 2;
      v128.store(gradient + o, f32x4.add(v128.load(gradient + o), f32x4.mul(w, v128.load(row + o))));
    }
  }
}

/**
 * A one-step attack and the attacked logits in one pass: work_i = box(row_i + steps[i] direction) and
 * dots[i] = work_i . v. `steps[i]` carries the sample's sign; box is [0,1] when `clip`, else nothing.
 */
export function stepRows(
  rows: usize,
  n: i32,
  stride: i32,
  steps: usize,
  direction: usize,
  clip: bool,
  work: usize,
  v: usize,
  dots: usize,
): void {
  const low = f32x4.splat(clip ? 0 : -Infinity);
  const high = f32x4.splat(clip ? 1 : Infinity);
  for (let i = 0; i < n; i++) {
    const row = <usize>load<u32>(rows + (<usize>i << 2));
    const out = work + <usize>i * <usize>stride * 4;
    const step = f32x4.splat(load<f32>(steps + (<usize>i << 2)));
    let a = f32x4.splat(0);
    let b = f32x4.splat(0);
    for (let j = 0; j < stride; j += 8) {
      const o = <usize>j << 2;
      const x0 = boxed(f32x4.add(v128.load(row + o), f32x4.mul(step, v128.load(direction + o))), low, high);
      v128.store(out + o, x0);
      a = f32x4.add(a, f32x4.mul(x0, v128.load(v + o)));
      const x1 = boxed(
        f32x4.add(v128.load(row + o, 16), f32x4.mul(step, v128.load(direction + o, 16))),
        low,
        high,
      );
      v128.store(out + o, x1, 16);
      b = f32x4.add(b, f32x4.mul(x1, v128.load(v + o, 16)));
    }
    store<f64>(dots + (<usize>i << 3), laneSum(f32x4.add(a, b)));
  }
}

/**
 * One PGD step for every iterate in `work` around its clean row (`origins`), in advertorch's order. The iterate
 * moves to moved = work_i + steps[i] direction, then
 * - linf: onto the eps-ball around the clean row x, then the box: work_i = box(x + clamp(moved - x, -eps, eps));
 * - l2: into the box, then delta = boxed - x is scaled by min(1, eps / ||delta||) onto the ball (which stays in
 *   the box). The scaling always runs, as tfjs's does, so x + delta is rounded the same way inside the ball.
 */
export function pgdStep(
  work: usize,
  origins: usize,
  n: i32,
  stride: i32,
  steps: usize,
  direction: usize,
  eps: f32,
  clip: bool,
  l2: bool,
): void {
  const low = f32x4.splat(clip ? 0 : -Infinity);
  const high = f32x4.splat(clip ? 1 : Infinity);
  for (let i = 0; i < n; i++) {
    const origin = <usize>load<u32>(origins + (<usize>i << 2));
    const current = work + <usize>i * <usize>stride * 4;
    const step = f32x4.splat(load<f32>(steps + (<usize>i << 2)));
    if (l2) stepL2(current, origin, stride, step, direction, eps, low, high);
    else stepLinf(current, origin, stride, step, direction, eps, low, high);
  }
}

function stepLinf(
  current: usize,
  origin: usize,
  stride: i32,
  step: v128,
  direction: usize,
  eps: f32,
  low: v128,
  high: v128,
): void {
  const epsHigh = f32x4.splat(eps);
  const epsLow = f32x4.splat(-eps);
  for (let j = 0; j < stride; j += 4) {
    const o = <usize>j << 2;
    const x = v128.load(origin + o);
    const moved = f32x4.add(v128.load(current + o), f32x4.mul(step, v128.load(direction + o)));
    const delta = boxed(f32x4.sub(moved, x), epsLow, epsHigh);
    v128.store(current + o, boxed(f32x4.add(x, delta), low, high));
  }
}

function stepL2(
  current: usize,
  origin: usize,
  stride: i32,
  step: v128,
  direction: usize,
  eps: f32,
  low: v128,
  high: v128,
): void {
  let squares = f32x4.splat(0);
  for (let j = 0; j < stride; j += 4) {
    const o = <usize>j << 2;
    const moved = boxed(f32x4.add(v128.load(current + o), f32x4.mul(step, v128.load(direction + o))), low, high);
    v128.store(current + o, moved);
    const delta = f32x4.sub(moved, v128.load(origin + o));
    squares = f32x4.add(squares, f32x4.mul(delta, delta));
  }
  const norm = <f32>Math.sqrt(laneSum(squares));
  const scale = f32x4.splat(min<f32>(1, eps / max<f32>(norm, 1e-30)));
  for (let j = 0; j < stride; j += 4) {
    const o = <usize>j << 2;
    const x = v128.load(origin + o);
    v128.store(current + o, f32x4.add(x, f32x4.mul(f32x4.sub(v128.load(current + o), x), scale)));
  }
}
