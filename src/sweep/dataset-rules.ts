import {
  type DatasetGroup,
  type DatasetRef,
  DEFAULT_SPLIT_SIZES,
  DEFAULT_SYNTHETIC_PARAMS,
  isSyntheticGroup,
  type SplitSizes,
  type SyntheticParams,
} from '../datasets/types.js';
import { canonicalJson } from '../hash.js';

/**
 * A sweep file's dataset entry as the schema (schema.ts) outputs it: a group name, or an object with its
 * defaults filled in except sizes and synthetic parameters. Stated here, not imported, as the schema uses
 * these rules.
 */
export type DatasetEntry =
  | DatasetGroup
  | { group: DatasetGroup; dataSeed: number; sizes?: SplitSizes; synthetic?: SyntheticParams };

/** A rule's finding, in the shape of a zod issue (the schema adds `code: 'custom'`). */
export interface DatasetIssue {
  path: PropertyKey[];
  input: unknown;
  message: string;
}

/**
 * The dataset a sweep entry names, every default made explicit (so dataset ids are stable, and two entries
 * that name one dataset are seen to): everything but R.
 */
export function datasetOfEntry(entry: DatasetEntry): Omit<DatasetRef, 'R'> {
  const spec = typeof entry === 'string' ? { group: entry, dataSeed: 0 } : entry;
  const dataset: Omit<DatasetRef, 'R'> = {
    group: spec.group,
    dataSeed: spec.dataSeed,
    sizes: ('sizes' in spec && spec.sizes) || DEFAULT_SPLIT_SIZES,
  };
  if (isSyntheticGroup(spec.group))
    dataset.synthetic = ('synthetic' in spec && spec.synthetic) || DEFAULT_SYNTHETIC_PARAMS;
  return dataset;
}

/**
 * The minority class of ratio R has floor(size / R) samples in each split: a ratio larger than a split's
 * size leaves it no minority sample at all (no minority training data, an undefined minority accuracy). The one
 * rule for sweep files and `adgap data prepare`.
 */
export function minorityIssues(datasets: readonly DatasetEntry[], ratios: readonly number[]): DatasetIssue[] {
  const issues: DatasetIssue[] = [];
  ratios.forEach((R, i) => {
    for (const entry of datasets) {
      const { group, sizes } = datasetOfEntry(entry);
      const [split, size] = Object.entries(sizes).reduce((a, b) => (b[1] < a[1] ? b : a));
      if (Math.floor(size / R) < 1) {
        issues.push({
          path: ['R', i],
          input: R,
          message: `leaves ${group} no minority sample in its ${split} split (floor(${size} / R) = 0); R must be <= ${size}, the smallest split size`,
        });
        return;
      }
    }
  });
  return issues;
}

/**
 * Two entries that name the same dataset once defaults are filled in (`gaussian` and `{ group: gaussian }`)
 * would put every one of its runs into the plan twice: trained twice, stored once, counted twice.
 */
export function duplicateDatasetIssues(datasets: readonly DatasetEntry[]): DatasetIssue[] {
  const seen = new Map<string, number>();
  const issues: DatasetIssue[] = [];
  datasets.forEach((entry, i) => {
    const key = canonicalJson(datasetOfEntry(entry));
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, i);
      return;
    }
    issues.push({
      path: ['datasets', i],
      input: entry,
      message: `names the same dataset as datasets[${first}] (group, data seed, sizes and synthetic parameters, defaults included); list each dataset once and give it all its modes there`,
    });
  });
  return issues;
}
