import type { Norm } from './run-spec.js';
import { exactSign, tf } from './tf.js';

/** A model as the attacks see it: features in, logits out. */
export type Logits = (x: tf.Tensor2D) => tf.Tensor2D;

export interface OneStepAttack {
  norm: Norm;
  eps: number;
  /** Pixel data are clipped to [0,1]; synthetic data are not (protocol.md). */
  clipToUnitBox: boolean;
}

/**
 * FGSM (linf): x + eps * sign(grad). FGM (l2): x + eps * grad / ||grad||_2, per sample (the last axis holds a
 * sample's features; leading axes are samples, or models then samples when a cell trains stacked).
 * The gradient is of the clean loss with respect to the input; for a linear model this single step is the
 * exact worst case in the eps-ball (without clipping).
 */
export function oneStepAttack<T extends tf.Tensor>(
  loss: (input: T) => tf.Scalar,
  x: T,
  attack: OneStepAttack,
): T {
  return tf.tidy(() => {
    const gradient = tf.grad((input: tf.Tensor) => loss(input as T))(x);
    let step: tf.Tensor;
    if (attack.norm === 'linf') {
      step = exactSign(gradient);
    } else {
      const norm = tf.sqrt(tf.sum(tf.square(gradient), -1, true));
      // A zero gradient (a sample the loss cannot see) gets no step rather than NaN.
      step = tf.div(gradient, tf.maximum(norm, 1e-30));
    }
    const adversarial = tf.add(x, tf.mul(step, attack.eps)) as T;
    return attack.clipToUnitBox ? tf.clipByValue(adversarial, 0, 1) : adversarial;
  });
}
