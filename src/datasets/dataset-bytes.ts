import { splitCounts } from './splits.js';
import { type DatasetRef, featureCount, featureShapeOf } from './types.js';

/**
 * The bytes of a dataset's arrays as a job holds them: float32 features (pixels too, once loaded) and uint8
 * labels of its four splits. Known before the dataset is prepared.
 */
export function datasetBytes(ref: DatasetRef): number {
  return datasetSamples(ref) * (4 * featureCount(featureShapeOf(ref)) + 1);
}

/** Samples of all four splits together. */
export function datasetSamples(ref: Pick<DatasetRef, 'sizes' | 'R'>): number {
  return Object.values(splitCounts(ref.sizes, ref.R)).reduce(
    (sum, [majority, minority]) => sum + majority + minority,
    0,
  );
}
