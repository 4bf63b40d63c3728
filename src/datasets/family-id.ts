import { shortHash } from '../hash.js';
import type { DatasetRef } from './types.js';

/** A dataset across its imbalance ratios: group, data seed and a hash of every other parameter but R. */
export function datasetFamilyId(ref: DatasetRef): string {
  const { R: _R, ...rest } = ref;
  return `${ref.group}-d${ref.dataSeed}-${shortHash(rest, 6)}`;
}
