import { ADAM, SGD_MOMENTUM } from './protocol.js';
import type { OptimizerName } from './run-spec.js';
import { tf } from './tf.js';

/**
 * The tfjs optimiser with PyTorch's semantics for each name. tfjs's update rules match PyTorch's here: Adam
 * with bias-corrected moments (p -= lr * m_hat / (sqrt(v_hat) + eps)), and momentum as v = mu * v + g,
 * p -= lr * v with v starting at the first gradient (no dampening, no Nesterov).
 */
export function createOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  if (name === 'adam') return tf.train.adam(learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
  if (name === 'sgd') return tf.train.sgd(learningRate);
  return tf.train.momentum(learningRate, SGD_MOMENTUM, false);
}
