import { Argument, Command, InvalidArgumentError } from 'commander';
import { datasetId } from '../datasets/dataset-id.js';
import { DatasetIntegrityError, loadDataset, readManifest } from '../datasets/load.js';
import { manifestKey } from '../datasets/manifest.js';
import { prepareDatasets } from '../datasets/prepare.js';
import { DATASET_GROUPS, type DatasetGroup, type DatasetRef, isSyntheticGroup } from '../datasets/types.js';
import { ValidationError } from '../errors.js';
import { readImageSource } from '../sources/image-source.js';
import type { ObjectStore } from '../store/object-store.js';
import { openStore } from '../store/open-store.js';
import { entryRefs } from '../sweep/expand.js';
import { parseDatasetRatios } from '../sweep/schema.js';
import { nonNegativeInteger, positiveInteger, STORE_OPTION } from './options.js';

interface PrepareFlags {
  R: number[];
  dataSeed: number;
  store: string;
  source?: string;
  train?: number;
  validation?: number;
  test?: number;
}

function ratioList(value: string): number[] {
  const ratios = value.split(',').map((part) => (part.trim() === '' ? Number.NaN : Number(part)));
  if (ratios.some((R) => Number.isNaN(R))) {
    throw new InvalidArgumentError(
      `--R must be a comma-separated list of ratios >= 1, like 1,2,5,10 (got '${value}')`,
    );
  }
  return ratios;
}

/** The flag each field of parseDatasetRatios' errors came from. */
const FLAG_OF_FIELD: [RegExp, string][] = [
  [/^R(\[\d+\])?$/, '--R'],
  [/^dataset\.dataSeed$/, '--data-seed'],
  [/^dataset\.sizes\.(train|validation|test)$/, '--$1'],
];

/**
 * The dataset entry and ratios the flags ask for, validated as a sweep file's are (one rule for both: the same
 * limits, and R at most the smallest split size), the error naming the flag.
 */
function requestedDatasets(group: DatasetGroup, flags: PrepareFlags) {
  const sizes = Object.fromEntries(
    (['train', 'validation', 'test'] as const).flatMap((k) =>
      flags[k] === undefined ? [] : [[k, flags[k]]],
    ),
  );
  try {
    return parseDatasetRatios({
      dataset: { group, dataSeed: flags.dataSeed, ...(Object.keys(sizes).length > 0 ? { sizes } : {}) },
      R: flags.R,
    });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const flag = FLAG_OF_FIELD.find(([field]) => field.test(error.field));
    throw flag ? new ValidationError(error.field.replace(flag[0], flag[1]), error.detail) : error;
  }
}

export function dataCommand(): Command {
  const data = new Command('data').description('prepare datasets into a store');
  data
    .command('prepare')
    .description('write the splits of a dataset group for each R (skips what the store already holds)')
    .addArgument(new Argument('<group>', 'dataset group').choices(DATASET_GROUPS))
    .requiredOption('--R <ratios>', 'imbalance ratios, comma-separated, e.g. 1,2,5,10', ratioList)
    .option('--data-seed <n>', 'data seed', nonNegativeInteger('--data-seed'), 0)
    .option(...STORE_OPTION)
    .option(
      '--source <path>',
      'mnist/fmnist: folder of IDX(.gz) files; cifar10: the binary archive or its folder',
    )
    .option('--train <n>', 'majority-class training samples (default 4000)', positiveInteger('--train'))
    .option(
      '--validation <n>',
      'majority-class validation samples (default 1000)',
      positiveInteger('--validation'),
    )
    .option('--test <n>', 'test samples per class (default 1000)', positiveInteger('--test'))
    .action(async (group: DatasetGroup, flags: PrepareFlags) => {
      if (flags.source !== undefined && isSyntheticGroup(group)) {
        throw new ValidationError(
          '--source',
          `${group} is generated, only mnist, fmnist and cifar10 read source files`,
        );
      }
      // The same schema as a sweep file's dataset entry, so both give the same refs and dataset ids.
      const { dataset, R } = requestedDatasets(group, flags);
      const store = openStore(flags.store);
      const refs = entryRefs(dataset, R);
      // A present dataset is verified against its manifest's checksums first; a corrupt one is rewritten.
      const corrupt = new Map<string, string>();
      for (const ref of refs) {
        const problem = await integrityProblem(store, ref);
        if (problem === undefined) continue;
        corrupt.set(datasetId(ref), problem);
        await store.delete(manifestKey(datasetId(ref)));
      }
      const outcomes = await prepareDatasets(store, refs, (g) => readImageSource(g, flags.source));
      const refOf = new Map(refs.map((ref) => [datasetId(ref), ref]));
      for (const outcome of outcomes) {
        const { epsMax } = await readManifest(store, refOf.get(outcome.datasetId) as DatasetRef);
        const problem = corrupt.get(outcome.datasetId);
        const state =
          problem !== undefined
            ? `rewritten (was corrupt: ${problem})`
            : outcome.prepared
              ? 'prepared'
              : 'already present, checksums verified';
        process.stdout.write(
          `${outcome.datasetId}  ${state}  eps_max l2 ${epsMax.l2.toPrecision(5)} linf ${epsMax.linf.toPrecision(5)}\n`,
        );
      }
      process.stdout.write(`store: ${store.uri}\n`);
    });
  return data;
}

/** Why a prepared dataset is unusable (its manifest or an array does not check out), or undefined. */
async function integrityProblem(store: ObjectStore, ref: DatasetRef): Promise<string | undefined> {
  if ((await store.head(manifestKey(datasetId(ref)))) === undefined) return undefined;
  try {
    await loadDataset(store, ref);
    return undefined;
  } catch (error) {
    if (!(error instanceof DatasetIntegrityError)) throw error;
    return error.message.slice(0, error.message.indexOf(';'));
  }
}
