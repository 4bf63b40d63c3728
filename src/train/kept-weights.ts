import type { LinearWeights } from './init.js';
import type { MlpWeights } from './robustness/mlp-classifier.js';
import type { ModelName, RunSpec } from './run-spec.js';

/**
 * The weights a run keeps (its selected checkpoint), so that new robust evaluations can be computed later
 * without training again: every parameter in models.ts's order and layout (per layer a feature-major weight
 * [in][out], then its bias [out]), concatenated into one float32 vector. `layers` gives each layer's widths.
 */
export interface ModelWeights {
  /** Layer widths, input first: linear [d, 2], MLP [d, 200, 2]. */
  widths: number[];
  values: Float32Array;
}

/**
 * The models whose weights are kept: the linear model (2 x (d + 1) floats) and the MLP (about 2.4 MB for
 * CIFAR-10's 3072-200-2), the ones exact-linear.ts and apgd.ts evaluate. VGG11's 37 MB per run have no
 * evaluation beyond PGD yet, so they are not stored.
 */
export const KEPT_MODELS: readonly ModelName[] = ['linear', 'mlp'];

/**
 * The run's weights from its parameters (pairs of weight [in][out] and bias [out], models.ts's order), or
 * undefined for a model whose weights are not kept. The widths follow from the lengths: in = weight / bias.
 */
export function keptWeights(
  run: RunSpec,
  parameters: () => readonly Float32Array[],
): ModelWeights | undefined {
  if (!KEPT_MODELS.includes(run.model)) return undefined;
  const layers = parameters();
  const biases = layers.filter((_p, i) => i % 2 === 1).map((p) => p.length);
  const widths = [(layers[0]?.length ?? 0) / (biases[0] ?? 1), ...biases];
  const values = new Float32Array(layers.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const p of layers) {
    values.set(p, offset);
    offset += p.length;
  }
  if (!Number.isInteger(widths[0]) || offset !== parameterCount(widths))
    throw new Error(
      `${run.runId}: parameters of lengths ${layers.map((p) => p.length).join(', ')} are no layers`,
    );
  return { widths, values };
}

/** Weights and biases of a stack of linear layers of these widths. */
export function parameterCount(widths: readonly number[]): number {
  let count = 0;
  for (let l = 0; l + 1 < widths.length; l++)
    count += ((widths[l] as number) + 1) * (widths[l + 1] as number);
  return count;
}

/** The layers of kept weights as init.ts's LinearWeights, input layer first. */
export function linearLayers({ widths, values }: ModelWeights): LinearWeights[] {
  const layers: LinearWeights[] = [];
  let offset = 0;
  for (let l = 0; l + 1 < widths.length; l++) {
    const featureCount = widths[l] as number;
    const classCount = widths[l + 1] as number;
    const weight = values.slice(offset, offset + featureCount * classCount);
    offset += featureCount * classCount;
    const bias = values.slice(offset, offset + classCount);
    offset += classCount;
    layers.push({ weight, bias, featureCount, classCount });
  }
  return layers;
}

/** Kept MLP weights as mlp-classifier.ts reads them. */
export function mlpLayers(weights: ModelWeights): MlpWeights {
  const [hidden, output] = linearLayers(weights) as [LinearWeights, LinearWeights];
  return { hidden, output };
}
