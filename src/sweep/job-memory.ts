import { datasetBytes, datasetSamples } from '../datasets/dataset-bytes.js';
import { type DatasetRef, featureCount, featureShapeOf } from '../datasets/types.js';
import { ValidationError } from '../errors.js';
import { entryRefs } from './expand.js';
import type { SweepFile } from './schema.js';

const MiB = 2 ** 20;

/**
 * A job process before it loads its dataset: 146 MiB measured for a linear-cpu job and 167 MiB for a tfjs one
 * (peak resident memory, a 2-epoch run of a small dataset, Node 24), with room to spare.
 */
export const JOB_PROCESS_BYTES = 256 * MiB;

/**
 * Memory per byte of a dataset's arrays that a job needs on top of JOB_PROCESS_BYTES. Measured on a 535 MiB
 * gaussian dataset (dim 10,000, R 1): preparing it peaked at 1.46 GiB (its class pools, the splits cut from them
 * and each array's encoding), a linear-cpu job at 1.31 GiB and a tfjs job at 1.10 GiB (the file bytes, the
 * decoded arrays and the engine's copy); 3 covers them all with a margin.
 */
export const JOB_BYTES_PER_DATASET_BYTE = 3;

/** Where jobs run and how much memory each gets: this machine shared by `jobsAtOnce`, or a Batch job definition. */
export interface MemoryTarget {
  /** What the memory is, for messages: "this machine's 24 GiB of memory, 2 jobs at once". */
  description: string;
  /** Memory one job may use. */
  bytesPerJob: number;
}

/** The memory a job training on a dataset of `bytes` needs, by the measurements above. */
export function jobMemoryBytes(bytes: number): number {
  return JOB_PROCESS_BYTES + JOB_BYTES_PER_DATASET_BYTE * bytes;
}

/** What one dataset entry of a sweep asks of a job's memory, at its smallest R (its largest splits). */
export interface DatasetMemory {
  /** Index into the sweep's `datasets`. */
  entry: number;
  ref: DatasetRef;
  /** datasetBytes(ref) */
  bytes: number;
  /** jobMemoryBytes(bytes) */
  neededBytes: number;
}

export function datasetMemory(sweep: SweepFile): DatasetMemory[] {
  return sweep.datasets.map((entry, i) => {
    const ref = entryRefs(entry, [Math.min(...sweep.R)])[0] as DatasetRef;
    const bytes = datasetBytes(ref);
    return { entry: i, ref, bytes, neededBytes: jobMemoryBytes(bytes) };
  });
}

/**
 * Refuses a sweep with a dataset that no job of `target` can hold, before anything is prepared or planned:
 * sizes of 1,000,000 at dim 100,000 (745 GiB of arrays) used to plan at a few hours and then die with
 * "Array buffer allocation failed".
 */
export function assertDatasetsFit(sweep: SweepFile, target: MemoryTarget): void {
  const n = (x: number) => x.toLocaleString('en-US');
  for (const { entry, ref, bytes, neededBytes } of datasetMemory(sweep)) {
    if (neededBytes <= target.bytesPerJob) continue;
    throw new ValidationError(
      `datasets[${entry}]`,
      `${ref.group} at R ${ref.R} is ${formatBytes(bytes)} of arrays (${n(datasetSamples(ref))} samples x ${n(featureCount(featureShapeOf(ref)))} float32 features), and a job holding it needs about ${formatBytes(neededBytes)}: more than the ${formatBytes(target.bytesPerJob)} a job has (${target.description}); make its sizes${ref.synthetic ? ' or synthetic.dim' : ''} smaller`,
    );
  }
}

/** 1.5 GiB, 535 MiB, 745 GiB, 2.2 TiB: binary units, three significant digits. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 ? String(value) : value >= 100 ? value.toFixed(0) : value.toPrecision(3);
  return `${shown} ${units[unit]}`;
}
