import { ADAM, SGD_MOMENTUM } from '../../protocol.js';
import type { OptimizerName } from '../../run-spec.js';
import { tf } from '../tfjs-shared/tf.js';

/**
 * The tfjs optimiser with PyTorch's semantics for each name. SGD and momentum are tfjs's own, whose rules match
 * PyTorch's: momentum as v = mu * v + g, p -= lr * v with v starting at the first gradient (no dampening, no
 * Nesterov). Adam is ours (PyTorchAdam), because tfjs's is not quite PyTorch's.
 */
export function createOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  if (name === 'adam') return new PyTorchAdam(learningRate);
  if (name === 'sgd') return tf.train.sgd(learningRate);
  return tf.train.momentum(learningRate, SGD_MOMENTUM, false);
}

/**
 * Adam's direction m_hat / (sqrt(v_hat) + eps) at `step` (1-based), after moving the moments in place, as
 * torch.optim.Adam computes it: the bias corrections 1 - beta^step in float64, rounded to float32 once. tfjs's
 * own Adam keeps beta^step in a float32 variable and subtracts it from 1 in float32 (1 - float32(0.999) is
 * 0.000999987), which makes each of its first ten steps shorter than PyTorch's by 0.7e-5 to 1.4e-5 of its
 * length. The one-run path and the stacked cell both call this, so they apply the same arithmetic to their
 * gradients: the MLP's weights after 5 Adam steps magnify any difference (test/train/engines/equivalence.test.ts).
 */
export function adamDirection(
  first: tf.Variable,
  second: tf.Variable,
  gradient: tf.Tensor,
  step: number,
): tf.Tensor {
  first.assign(tf.add(tf.mul(first, ADAM.beta1), tf.mul(gradient, 1 - ADAM.beta1)));
  second.assign(tf.add(tf.mul(second, ADAM.beta2), tf.mul(tf.square(gradient), 1 - ADAM.beta2)));
  return tf.div(
    tf.div(first, 1 - ADAM.beta1 ** step),
    tf.add(tf.sqrt(tf.div(second, 1 - ADAM.beta2 ** step)), ADAM.epsilon),
  );
}

/** torch.optim.Adam with its defaults (protocol.ts's ADAM) and no weight decay, through adamDirection. */
class PyTorchAdam extends tf.Optimizer {
  private readonly moments = new Map<string, [tf.Variable, tf.Variable]>();

  constructor(private readonly learningRate: number) {
    super();
  }

  applyGradients(gradients: Parameters<tf.Optimizer['applyGradients']>[0]): void {
    const named = Array.isArray(gradients)
      ? gradients
      : Object.entries(gradients).map(([name, tensor]) => ({ name, tensor }));
    const step = this.iterations + 1;
    tf.tidy(() => {
      for (const { name, tensor } of named) {
        const variable = tf.engine().registeredVariables[name] as tf.Variable;
        let moments = this.moments.get(name);
        if (!moments) {
          moments = [tf.variable(tf.zerosLike(variable), false), tf.variable(tf.zerosLike(variable), false)];
          this.moments.set(name, moments);
        }
        const direction = adamDirection(moments[0], moments[1], tensor, step);
        variable.assign(tf.sub(variable, tf.mul(direction, this.learningRate)));
      }
    });
    this.incrementIterations();
  }

  override dispose(): void {
    super.dispose();
    tf.dispose([...this.moments.values()].flat());
    this.moments.clear();
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, ...ADAM };
  }
}
