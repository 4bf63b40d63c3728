import { AdgapError } from '../errors.js';
import type { ObjectStore } from '../store/object-store.js';
import { generateGaussian } from './synthetic.js';
import type { DatasetRef, LoadedDataset } from './types.js';

/** The groups this build can produce. */
export function isAvailable(ref: DatasetRef): boolean {
  return ref.group === 'gaussian';
}

/** The dataset of a run, as every engine sees it. */
export async function openDataset(_store: ObjectStore, ref: DatasetRef): Promise<LoadedDataset> {
  if (ref.group === 'gaussian' && ref.synthetic)
    return generateGaussian({ ...ref, synthetic: ref.synthetic });
  throw new AdgapError(`dataset group '${ref.group}' is not available yet (available: gaussian)`);
}
