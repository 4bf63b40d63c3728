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

/** Mean cross-entropy of 2-logit outputs against integer labels (PyTorch's CrossEntropyLoss). */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const logProbabilities = tf.logSoftmax(logits);
  const oneHot = tf.oneHot(labels, logits.shape[1]);
  return tf.neg(tf.mean(tf.sum(tf.mul(logProbabilities, oneHot), 1))) as tf.Scalar;
}
