// The union package, not tfjs-core alone: only its Node bundle registers the kernels' gradients.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { gpuBackendLoads } from './gpu.js';

export { tf };

export type TfBackend = 'tensorflow' | 'wasm' | 'cpu';

let chosen: Promise<TfBackend> | undefined;

/**
 * Picks the fastest backend that loads, once per process: `tensorflow` (tfjs-node-gpu, an optional dependency
 * whose install downloads libtensorflow and fails where that is impossible), else `wasm`, else `cpu`.
 */
export function useFastestBackend(forced?: TfBackend): Promise<TfBackend> {
  chosen ??= (async () => {
    const order: TfBackend[] = forced ? [forced] : ['tensorflow', 'wasm', 'cpu'];
    for (const backend of order) {
      if (backend === 'tensorflow' && !(await gpuBackendLoads())) continue;
      if (await tf.setBackend(backend)) {
        await tf.ready();
        return backend;
      }
    }
    throw new Error(`no tfjs backend could be loaded (tried ${order.join(', ')})`);
  })();
  return chosen;
}

/** sign(x) with sign(0) = 0, exact for every float: wasm's `sign` returns 0 for |x| < 2^-23, which silently weakens FGSM. */
export function exactSign(x: tf.Tensor): tf.Tensor {
  return tf.sub(tf.cast(tf.greater(x, 0), 'float32'), tf.cast(tf.less(x, 0), 'float32'));
}

/**
 * Mean cross-entropy of 2-logit outputs against integer labels (PyTorch's CrossEntropyLoss), with an exact
 * gradient (crossEntropySum). adgap's loss everywhere but in reference-fidelity runs.
 */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.div(crossEntropySum(logits, tf.oneHot(labels, logits.shape[1])), logits.shape[0]) as tf.Scalar;
}

/**
 * The same loss differentiated as PyTorch's float32 autograd does (log-softmax, then its backward pass
 * dz = dy - exp(log p) sum(dy)): where the softmax saturates, the true class's term p_y - 1 rounds to 0 and
 * only the other classes' terms remain, or all round to 0. Reference-fidelity runs use it
 * (docs/protocol-notes.md, Fidelity: the linf attack takes the sign of this gradient).
 */
export function referenceCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const logProbabilities = tf.logSoftmax(logits);
  const oneHot = tf.oneHot(labels, logits.shape[1]);
  return tf.neg(tf.mean(tf.sum(tf.mul(logProbabilities, oneHot), 1))) as tf.Scalar;
}

/**
 * The summed cross-entropy of logits [..., K] against one-hot labels of the same shape, whose gradient in the
 * logits is p - onehot computed without cancellation: p_k for the other classes, and for the true class minus
 * their sum (p_y - 1 in float32 rounds to 0 once p_y is within 2^-24 of 1, while 1 - p_y = sum of the others is
 * exact). So an attack steps along the exact input gradient even for confidently classified samples.
 */
export const crossEntropySum = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
  // customGrad passes the tensors and then the save function in one rest parameter.
  const [logits, oneHot, save] = inputs as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  const logProbabilities = tf.logSoftmax(logits);
  save([logProbabilities, oneHot]);
  return {
    value: tf.neg(tf.sum(tf.mul(logProbabilities, oneHot))),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [saturating, labels] = saved as [tf.Tensor, tf.Tensor];
      const others = tf.mul(tf.exp(saturating), tf.sub(1, labels));
      const residual = tf.sub(others, tf.mul(labels, tf.sum(others, -1, true)));
      return [tf.mul(residual, dy), tf.zerosLike(labels)];
    },
  };
}) as (logits: tf.Tensor, oneHot: tf.Tensor) => tf.Scalar;
