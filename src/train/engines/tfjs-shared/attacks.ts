import type { Random } from '../../../random.js';
import type { AttackSpec, Fidelity } from '../../modes.js';
import { ADVERTORCH_SMALL_NORM } from '../../protocol.js';
import { exactSign, tf } from './tf.js';

/**
 * The gradient of the mean cross-entropy with respect to the input, at the batch's labels. The caller decides
 * what else a call does: robust evaluation only reads it; the `reference` objective also collects the
 * parameter gradients of the same backward pass (the reference's leak, docs/protocol-notes.md).
 */
export type InputGradient = (x: tf.Tensor2D) => tf.Tensor2D;

export interface AttackContext {
  /** Pixel data are clipped to [0,1]; synthetic data are not (protocol.md). */
  clipToUnitBox: boolean;
  /**
   * The run's attack stream. PGD's random start is drawn here, in JS, so every engine starts identically. Only
   * its draws are used, so a stacked cell can serve each model's rows from that model's own stream.
   */
  random: Pick<Random, 'uniform' | 'normal'>;
  /**
   * `reference`: l2 steps divide by max(||g||_2, ADVERTORCH_SMALL_NORM), as advertorch's normalize_by_pnorm
   * does (docs/protocol-notes.md, Fidelity). Absent: adgap's, always a full step (robust evaluation's too).
   */
  fidelity?: Fidelity;
}

/**
 * Adversarial examples for a batch x [n, d], for training and for robust evaluation alike.
 * One-step: FGSM (linf) x + eps * sign(g) or FGM (l2) x + eps * g / ||g||_2, one gradient at x; for a linear
 * model this is the exact worst case in the ball (without clipping).
 * PGD: a random start (randomStart), then `steps` times: one gradient at the current point, a step of
 * `stepSize` along sign(g) (linf) or g / ||g||_2 (l2), projection onto the eps-ball around x and clipping to
 * [0,1] for pixel data, in advertorch's order (linf: ball then box; l2: box then ball, which stays in the box).
 */
export function attack(
  x: tf.Tensor2D,
  spec: AttackSpec,
  gradient: InputGradient,
  context: AttackContext,
): tf.Tensor2D {
  const clip = (t: tf.Tensor2D): tf.Tensor2D => (context.clipToUnitBox ? tf.clipByValue(t, 0, 1) : t);
  if (spec.method.name === 'one-step') {
    return tf.tidy(() =>
      clip(tf.add(x, tf.mul(direction(gradient(x), spec.norm, context.fidelity), spec.eps))),
    );
  }
  const { steps, stepSize } = spec.method;
  let current = tf.tidy(() => clip(tf.add(x, randomStart(x, spec, context))));
  for (let step = 0; step < steps; step++) {
    const next = tf.tidy(() => {
      const moved = tf.add(
        current,
        tf.mul(direction(gradient(current), spec.norm, context.fidelity), stepSize),
      ) as tf.Tensor2D;
      if (spec.norm === 'linf') {
        return clip(tf.add(x, tf.clipByValue(tf.sub(moved, x), -spec.eps, spec.eps)));
      }
      const boxed = clip(moved);
      return tf.add(x, projectL2(tf.sub(boxed, x) as tf.Tensor2D, spec.eps)) as tf.Tensor2D;
    });
    current.dispose();
    current = next;
  }
  return current;
}

/**
 * sign(g) for linf (exact: see exactSign), g / ||g||_2 per sample for l2; a zero gradient gives no step. With
 * reference fidelity, g / max(||g||_2, 1e-6) (advertorch), so a gradient shorter than 1e-6 steps less.
 */
function direction(g: tf.Tensor2D, norm: AttackSpec['norm'], fidelity: Fidelity | undefined): tf.Tensor {
  if (norm === 'linf') return exactSign(g);
  return tf.div(g, tf.maximum(rowNorms(g), fidelity === 'reference' ? ADVERTORCH_SMALL_NORM : 1e-30));
}

const rowNorms = (t: tf.Tensor2D) => tf.sqrt(tf.sum(tf.square(t), 1, true));

/** Scales each row of delta down to l2 norm eps if it is longer (advertorch's clamp_by_pnorm). */
function projectL2(delta: tf.Tensor2D, eps: number): tf.Tensor2D {
  return tf.mul(delta, tf.minimum(1, tf.div(eps, tf.maximum(rowNorms(delta), 1e-30)))) as tf.Tensor2D;
}

/**
 * PGD's random start delta, drawn in JS from the attack stream, row by row:
 * - linf: uniform in [-eps, eps]^d (advertorch's rand_init_delta).
 * - l2, pixel data: advertorch's rule, u uniform in the box [0,1]^d, delta = u - x scaled down onto the ball.
 *   For CIFAR and the protocol's radii ||u - x|| >> eps, so the start lies on the sphere, pointing towards a
 *   random point of the box.
 * - l2, unbounded data: advertorch's rule needs a box, so a uniform direction (a normalised Gaussian) with
 *   radius eps, the radius advertorch's rule gives in practice.
 */
export function randomStart(x: tf.Tensor2D, spec: AttackSpec, context: AttackContext): tf.Tensor2D {
  const [n, d] = x.shape;
  const values = new Float32Array(n * d);
  const { random } = context;
  if (spec.norm === 'linf') {
    for (let i = 0; i < values.length; i++) values[i] = (2 * random.uniform() - 1) * spec.eps;
    return tf.tensor2d(values, [n, d]);
  }
  if (context.clipToUnitBox) {
    for (let i = 0; i < values.length; i++) values[i] = random.uniform();
    return tf.tidy(() => projectL2(tf.sub(tf.tensor2d(values, [n, d]), x) as tf.Tensor2D, spec.eps));
  }
  for (let i = 0; i < values.length; i++) values[i] = random.normal();
  return tf.tidy(() => {
    const g = tf.tensor2d(values, [n, d]);
    return tf.mul(tf.div(g, tf.maximum(rowNorms(g), 1e-30)), spec.eps) as tf.Tensor2D;
  });
}
