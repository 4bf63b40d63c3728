// The mlp-cpu engine's inner loops: the three matrix products of the MLP's hidden layer (d -> 200) and the
// attack steps, in AssemblyScript compiled to WebAssembly with 128-bit SIMD (`npm run build:kernels` writes
// kernels.wasm; test/train/engines/mlp-cpu/kernels.test.ts checks that the committed binary is this file's
// build). The hidden layer is the whole cost: per sample 3 x d x 200 multiply-adds a training step, and each PGD
// step adds a forward and an input gradient; the output layer (200 -> 2) is done in TypeScript.
//
// Conventions (kernels.ts lays the memory out): rows are `stride` float32s, stride a multiple of 8 with zero
// padding; `rows` points at n u32 byte addresses, one per row (a batch is read in place from its split); the
// hidden weights are stored transposed, `hidden` rows of `stride` (unit h's weights over the features, the
// padding zero); per-sample hidden values (z, dz) are n rows of `hidden` float32s, hidden a multiple of 4.
// Arithmetic is float32 as in tfjs and PyTorch, with four-lane partial sums summed across lanes in float64.
//
// Register blocking: wasm SIMD has 16 vector registers on x64, so each inner loop keeps 8 accumulators and
// loads at most 6 vectors a step.

import { boxed, laneSum } from '../wasm-worker/simd.as';

// A function declaration, not an arrow function: a closure's table index would be static data, and static data
// is written into the imported memory at instantiation, over the dataset that every worker shares.
function rowAt(rows: usize, i: i32): usize {
  return <usize>load<u32>(rows + (<usize>i << 2));
}

/** z[i][h] = bias[h] + row_i . w_h: the hidden pre-activations, four rows by two hidden units at a time. */
export function hiddenForward(
  rows: usize,
  n: i32,
  stride: i32,
  w: usize,
  hidden: i32,
  bias: usize,
  z: usize,
): void {
  const rowBytes = <usize>stride << 2;
  const zRow = <usize>hidden << 2;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const r0 = rowAt(rows, i);
    const r1 = rowAt(rows, i + 1);
    const r2 = rowAt(rows, i + 2);
    const r3 = rowAt(rows, i + 3);
    for (let h = 0; h < hidden; h += 2) {
      const w0 = w + <usize>h * rowBytes;
      const w1 = w0 + rowBytes;
      let a00 = f32x4.splat(0);
      let a01 = f32x4.splat(0);
      let a10 = f32x4.splat(0);
      let a11 = f32x4.splat(0);
      let a20 = f32x4.splat(0);
      let a21 = f32x4.splat(0);
      let a30 = f32x4.splat(0);
      let a31 = f32x4.splat(0);
      for (let j = 0; j < stride; j += 4) {
        const o = <usize>j << 2;
        const v0 = v128.load(w0 + o);
        const v1 = v128.load(w1 + o);
        const x0 = v128.load(r0 + o);
        a00 = f32x4.add(a00, f32x4.mul(x0, v0));
        a01 = f32x4.add(a01, f32x4.mul(x0, v1));
        const x1 = v128.load(r1 + o);
        a10 = f32x4.add(a10, f32x4.mul(x1, v0));
        a11 = f32x4.add(a11, f32x4.mul(x1, v1));
        const x2 = v128.load(r2 + o);
        a20 = f32x4.add(a20, f32x4.mul(x2, v0));
        a21 = f32x4.add(a21, f32x4.mul(x2, v1));
        const x3 = v128.load(r3 + o);
        a30 = f32x4.add(a30, f32x4.mul(x3, v0));
        a31 = f32x4.add(a31, f32x4.mul(x3, v1));
      }
      const b0 = <f64>load<f32>(bias + (<usize>h << 2));
      const b1 = <f64>load<f32>(bias + (<usize>(h + 1) << 2));
      const out = z + <usize>i * zRow + (<usize>h << 2);
      store<f32>(out, <f32>(b0 + laneSum(a00)));
      store<f32>(out, <f32>(b1 + laneSum(a01)), 4);
      store<f32>(out + zRow, <f32>(b0 + laneSum(a10)));
      store<f32>(out + zRow, <f32>(b1 + laneSum(a11)), 4);
      store<f32>(out + 2 * zRow, <f32>(b0 + laneSum(a20)));
      store<f32>(out + 2 * zRow, <f32>(b1 + laneSum(a21)), 4);
      store<f32>(out + 3 * zRow, <f32>(b0 + laneSum(a30)));
      store<f32>(out + 3 * zRow, <f32>(b1 + laneSum(a31)), 4);
    }
  }
  for (; i < n; i++) {
    const r0 = rowAt(rows, i);
    for (let h = 0; h < hidden; h++) {
      const w0 = w + <usize>h * rowBytes;
      let a = f32x4.splat(0);
      let b = f32x4.splat(0);
      for (let j = 0; j < stride; j += 8) {
        const o = <usize>j << 2;
        a = f32x4.add(a, f32x4.mul(v128.load(r0 + o), v128.load(w0 + o)));
        b = f32x4.add(b, f32x4.mul(v128.load(r0 + o, 16), v128.load(w0 + o, 16)));
      }
      const sum = <f64>load<f32>(bias + (<usize>h << 2)) + laneSum(f32x4.add(a, b));
      store<f32>(z + <usize>i * zRow + (<usize>h << 2), <f32>sum);
    }
  }
}

/**
 * out_i = sum_h dz[i][h] w_h: the loss's gradient with respect to the inputs, given its gradient dz with respect
 * to the pre-activations. Four rows by eight features at a time; `out` is n contiguous rows of stride.
 */
export function inputGradient(dz: usize, n: i32, hidden: i32, w: usize, stride: i32, out: usize): void {
  const rowBytes = <usize>stride << 2;
  const dzRow = <usize>hidden << 2;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const d0 = dz + <usize>i * dzRow;
    const o0 = out + <usize>i * rowBytes;
    for (let j = 0; j < stride; j += 8) {
      const o = <usize>j << 2;
      let a00 = f32x4.splat(0);
      let a01 = f32x4.splat(0);
      let a10 = f32x4.splat(0);
      let a11 = f32x4.splat(0);
      let a20 = f32x4.splat(0);
      let a21 = f32x4.splat(0);
      let a30 = f32x4.splat(0);
      let a31 = f32x4.splat(0);
      let wh = w + o;
      for (let h = 0; h < hidden; h++) {
        const v0 = v128.load(wh);
        const v1 = v128.load(wh, 16);
        const at = d0 + (<usize>h << 2);
        const s0 = v128.load32_splat(at);
        a00 = f32x4.add(a00, f32x4.mul(s0, v0));
        a01 = f32x4.add(a01, f32x4.mul(s0, v1));
        const s1 = v128.load32_splat(at + dzRow);
        a10 = f32x4.add(a10, f32x4.mul(s1, v0));
        a11 = f32x4.add(a11, f32x4.mul(s1, v1));
        const s2 = v128.load32_splat(at + 2 * dzRow);
        a20 = f32x4.add(a20, f32x4.mul(s2, v0));
        a21 = f32x4.add(a21, f32x4.mul(s2, v1));
        const s3 = v128.load32_splat(at + 3 * dzRow);
        a30 = f32x4.add(a30, f32x4.mul(s3, v0));
        a31 = f32x4.add(a31, f32x4.mul(s3, v1));
        wh += rowBytes;
      }
      v128.store(o0 + o, a00);
      v128.store(o0 + o, a01, 16);
      v128.store(o0 + rowBytes + o, a10);
      v128.store(o0 + rowBytes + o, a11, 16);
      v128.store(o0 + 2 * rowBytes + o, a20);
      v128.store(o0 + 2 * rowBytes + o, a21, 16);
      v128.store(o0 + 3 * rowBytes + o, a30);
      v128.store(o0 + 3 * rowBytes + o, a31, 16);
    }
  }
  for (; i < n; i++) {
    const d0 = dz + <usize>i * dzRow;
    const o0 = out + <usize>i * rowBytes;
    for (let j = 0; j < stride; j += 8) {
      const o = <usize>j << 2;
      let a = f32x4.splat(0);
      let b = f32x4.splat(0);
      let wh = w + o;
      for (let h = 0; h < hidden; h++) {
        const s = v128.load32_splat(d0 + (<usize>h << 2));
        a = f32x4.add(a, f32x4.mul(s, v128.load(wh)));
        b = f32x4.add(b, f32x4.mul(s, v128.load(wh, 16)));
        wh += rowBytes;
      }
      v128.store(o0 + o, a);
      v128.store(o0 + o, b, 16);
    }
  }
}

/**
 * gw_h += sum_i dz[i][h] row_i: the hidden weights' gradient (transposed, as the weights are stored), four
 * hidden units by eight features at a time.
 */
export function weightGradient(rows: usize, n: i32, stride: i32, dz: usize, hidden: i32, gw: usize): void {
  const rowBytes = <usize>stride << 2;
  const dzRow = <usize>hidden << 2;
  for (let h = 0; h < hidden; h += 4) {
    const g0 = gw + <usize>h * rowBytes;
    const dh = dz + (<usize>h << 2);
    for (let j = 0; j < stride; j += 8) {
      const o = <usize>j << 2;
      let a00 = f32x4.splat(0);
      let a01 = f32x4.splat(0);
      let a10 = f32x4.splat(0);
      let a11 = f32x4.splat(0);
      let a20 = f32x4.splat(0);
      let a21 = f32x4.splat(0);
      let a30 = f32x4.splat(0);
      let a31 = f32x4.splat(0);
      for (let i = 0; i < n; i++) {
        const r = rowAt(rows, i) + o;
        const x0 = v128.load(r);
        const x1 = v128.load(r, 16);
        const at = dh + <usize>i * dzRow;
        const s0 = v128.load32_splat(at);
        a00 = f32x4.add(a00, f32x4.mul(s0, x0));
        a01 = f32x4.add(a01, f32x4.mul(s0, x1));
        const s1 = v128.load32_splat(at, 4);
        a10 = f32x4.add(a10, f32x4.mul(s1, x0));
        a11 = f32x4.add(a11, f32x4.mul(s1, x1));
        const s2 = v128.load32_splat(at, 8);
        a20 = f32x4.add(a20, f32x4.mul(s2, x0));
        a21 = f32x4.add(a21, f32x4.mul(s2, x1));
        const s3 = v128.load32_splat(at, 12);
        a30 = f32x4.add(a30, f32x4.mul(s3, x0));
        a31 = f32x4.add(a31, f32x4.mul(s3, x1));
      }
      addInto(g0 + o, a00, a01);
      addInto(g0 + rowBytes + o, a10, a11);
      addInto(g0 + 2 * rowBytes + o, a20, a21);
      addInto(g0 + 3 * rowBytes + o, a30, a31);
    }
  }
}

function addInto(at: usize, a: v128, b: v128): void {
  v128.store(at, f32x4.add(v128.load(at), a));
  v128.store(at, f32x4.add(v128.load(at, 16), b), 16);
}

/**
 * A one-step attack (FGSM for linf, FGM for l2) of every row, as attacks.ts takes it:
 * out_i = box(row_i + size * direction(g_i)), direction sign(g) (exact, sign(0) = 0) or g / max(||g||, 1e-30).
 * `grads` and `out` are n contiguous rows; box is [0,1] when `clip`, else nothing.
 */
export function stepRows(
  rows: usize,
  grads: usize,
  n: i32,
  stride: i32,
  size: f32,
  l2: bool,
  clip: bool,
  out: usize,
): void {
  const low = f32x4.splat(clip ? 0 : -Infinity);
  const high = f32x4.splat(clip ? 1 : Infinity);
  const rowBytes = <usize>stride << 2;
  const step = f32x4.splat(size);
  for (let i = 0; i < n; i++) {
    const row = rowAt(rows, i);
    const g = grads + <usize>i * rowBytes;
    const o0 = out + <usize>i * rowBytes;
    const norm = l2 ? f32x4.splat(rowNorm(g, stride)) : f32x4.splat(1);
    for (let j = 0; j < stride; j += 4) {
      const o = <usize>j << 2;
      const direction = l2 ? f32x4.div(v128.load(g + o), norm) : exactSign(v128.load(g + o));
      v128.store(o0 + o, boxed(f32x4.add(v128.load(row + o), f32x4.mul(direction, step)), low, high));
    }
  }
}

/**
 * One PGD step of every iterate in `work` (n contiguous rows) around its clean row (`origins`, a row list), in
 * advertorch's order, as attacks.ts takes it: moved = work_i + size * direction(g_i), then
 * - linf: work_i = box(x + clamp(moved - x, -eps, eps));
 * - l2: boxed = box(moved), delta = boxed - x scaled by min(1, eps / max(||delta||, 1e-30)), work_i = x + delta.
 */
export function pgdRows(
  work: usize,
  origins: usize,
  grads: usize,
  n: i32,
  stride: i32,
  size: f32,
  eps: f32,
  l2: bool,
  clip: bool,
): void {
  const low = f32x4.splat(clip ? 0 : -Infinity);
  const high = f32x4.splat(clip ? 1 : Infinity);
  const rowBytes = <usize>stride << 2;
  const step = f32x4.splat(size);
  for (let i = 0; i < n; i++) {
    const x = rowAt(origins, i);
    const g = grads + <usize>i * rowBytes;
    const current = work + <usize>i * rowBytes;
    if (l2) {
      const norm = f32x4.splat(rowNorm(g, stride));
      let squares = f32x4.splat(0);
      for (let j = 0; j < stride; j += 4) {
        const o = <usize>j << 2;
        const direction = f32x4.div(v128.load(g + o), norm);
        const moved = boxed(f32x4.add(v128.load(current + o), f32x4.mul(direction, step)), low, high);
        const delta = f32x4.sub(moved, v128.load(x + o));
        v128.store(current + o, delta);
        squares = f32x4.add(squares, f32x4.mul(delta, delta));
      }
      const length = <f32>Math.sqrt(laneSum(squares));
      const scale = f32x4.splat(min<f32>(1, eps / max<f32>(length, 1e-30)));
      for (let j = 0; j < stride; j += 4) {
        const o = <usize>j << 2;
        v128.store(current + o, f32x4.add(v128.load(x + o), f32x4.mul(v128.load(current + o), scale)));
      }
    } else {
      const epsHigh = f32x4.splat(eps);
      const epsLow = f32x4.splat(-eps);
      for (let j = 0; j < stride; j += 4) {
        const o = <usize>j << 2;
        const origin = v128.load(x + o);
        const moved = f32x4.add(v128.load(current + o), f32x4.mul(exactSign(v128.load(g + o)), step));
        const delta = boxed(f32x4.sub(moved, origin), epsLow, epsHigh);
        v128.store(current + o, boxed(f32x4.add(origin, delta), low, high));
      }
    }
  }
}

/** max(||g||_2, 1e-30) of one row, as float32. */
function rowNorm(g: usize, stride: i32): f32 {
  let squares = f32x4.splat(0);
  for (let j = 0; j < stride; j += 4) {
    const v = v128.load(g + (<usize>j << 2));
    squares = f32x4.add(squares, f32x4.mul(v, v));
  }
  return max<f32>(<f32>Math.sqrt(laneSum(squares)), 1e-30);
}

/** sign(v) lane by lane with sign(0) = 0, exact for every float (see tf.ts's exactSign). */
function exactSign(v: v128): v128 {
  const zero = f32x4.splat(0);
  return v128.or(
    v128.and(f32x4.gt(v, zero), f32x4.splat(1)),
    v128.and(f32x4.lt(v, zero), f32x4.splat(-1)),
  );
}
