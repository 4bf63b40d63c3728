import { shortHash } from '../hash.js';
import type { DatasetRef } from './types.js';

/** A readable, unique, store-safe id for a dataset: group, R, data seed and a hash of the rest. */
export function datasetId(ref: DatasetRef): string {
  return `${ref.group}-R${ref.R}-d${ref.dataSeed}-${shortHash(ref, 6)}`;
}
