import { decodeNpy, encodeNpy } from '../datasets/npy.js';
import { AdgapError } from '../errors.js';
import { sha256Hex } from '../hash.js';
import { weightsKey } from '../store/layout.js';
import { ObjectExistsError, type ObjectStore } from '../store/object-store.js';
import { type ModelWeights, parameterCount } from '../train/kept-weights.js';

/** Where a result's kept weights are and what they hold (RunResult.weights). */
export interface StoredWeights {
  key: string;
  sha256: string;
  /** Layer widths, input first (ModelWeights.widths). */
  widths: number[];
}

/**
 * Writes a run's weights as a float32 `.npy` vector, write-once under a key named by its content: two copies of
 * one job (a retried Batch child) that trained different bytes each keep their own object, so the result that
 * wins names weights that are its own.
 */
export async function storeWeights(
  store: ObjectStore,
  sweepId: string,
  runId: string,
  weights: ModelWeights,
): Promise<StoredWeights> {
  const bytes = encodeNpy(weights.values, [weights.values.length]);
  const sha256 = sha256Hex(bytes);
  const key = weightsKey(sweepId, runId, sha256);
  try {
    await store.put(key, bytes, { ifAbsent: true });
  } catch (error) {
    if (!(error instanceof ObjectExistsError)) throw error;
  }
  return { key, sha256, widths: weights.widths };
}

export class WeightsError extends AdgapError {
  override readonly name = 'WeightsError';
}

/** A result's kept weights, checked against the sha256 and the widths it recorded. */
export async function readWeights(store: ObjectStore, stored: StoredWeights): Promise<ModelWeights> {
  const bytes = await store.get(stored.key);
  const sha256 = sha256Hex(bytes);
  if (sha256 !== stored.sha256)
    throw new WeightsError(`${stored.key}: sha256 ${sha256}, the result recorded ${stored.sha256}`);
  const { data } = decodeNpy(bytes, stored.key);
  if (!(data instanceof Float32Array) || data.length !== parameterCount(stored.widths))
    throw new WeightsError(
      `${stored.key}: ${data.length} values, layers ${stored.widths.join('-')} need ${parameterCount(stored.widths)}`,
    );
  return { widths: [...stored.widths], values: data };
}
