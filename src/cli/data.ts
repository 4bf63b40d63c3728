import { Argument, Command, InvalidArgumentError } from 'commander';
import { datasetId } from '../datasets/dataset-id.js';
import { readManifest } from '../datasets/load.js';
import { prepareDatasets } from '../datasets/prepare.js';
import { DATASET_GROUPS, type DatasetGroup, type DatasetRef, isSyntheticGroup } from '../datasets/types.js';
import { ValidationError } from '../errors.js';
import { readImageSource } from '../sources/image-source.js';
import { openStore } from '../store/open-store.js';
import { entryRefs } from '../sweep/expand.js';
import { datasetEntrySchema } from '../sweep/schema.js';
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
  const ratios = value.split(',').map((part) => Number(part.trim()));
  if (ratios.some((R) => !Number.isFinite(R) || R < 1)) {
    throw new InvalidArgumentError(
      `--R must be a comma-separated list of ratios >= 1, like 1,2,5,10 (got '${value}')`,
    );
  }
  return ratios;
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
      const sizes = Object.fromEntries(
        (['train', 'validation', 'test'] as const).flatMap((k) =>
          flags[k] === undefined ? [] : [[k, flags[k]]],
        ),
      );
      // The same schema as a sweep file's dataset entry, so both give the same refs and dataset ids.
      const entry = datasetEntrySchema.parse({
        group,
        dataSeed: flags.dataSeed,
        ...(Object.keys(sizes).length > 0 ? { sizes } : {}),
      });
      const store = openStore(flags.store);
      const refs = entryRefs(entry, flags.R);
      const outcomes = await prepareDatasets(store, refs, (g) => readImageSource(g, flags.source));
      const refOf = new Map(refs.map((ref) => [datasetId(ref), ref]));
      for (const outcome of outcomes) {
        const { epsMax } = await readManifest(store, refOf.get(outcome.datasetId) as DatasetRef);
        process.stdout.write(
          `${outcome.datasetId}  ${outcome.prepared ? 'prepared' : 'already present'}  ` +
            `eps_max l2 ${epsMax.l2.toPrecision(5)} linf ${epsMax.linf.toPrecision(5)}\n`,
        );
      }
      process.stdout.write(`store: ${store.uri}\n`);
    });
  return data;
}
