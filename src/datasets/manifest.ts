import { z } from 'zod';
import { datasetPrefix } from '../store/layout.js';
import { SPLIT_NAMES, type SplitName } from './types.js';

/**
 * `datasets/<datasetId>/manifest.json`: everything needed to read and trust a prepared dataset. It is written
 * last, so its presence means every array file it names was written completely; loading checks each file
 * against its sha256. It holds no timestamps or paths, so preparing twice gives the same bytes.
 */
export const MANIFEST_FORMAT_VERSION = 1;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().nonnegative();

const arrayFileSchema = z.strictObject({
  file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]*\.npy$/),
  dtype: z.enum(['uint8', 'float32']),
  shape: z.array(count),
  bytes: count,
  sha256,
});

const splitSchema = z.strictObject({
  count,
  /** [majority, minority] */
  classCounts: z.tuple([count, count]),
  x: arrayFileSchema,
  y: arrayFileSchema,
});

const sourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('generator'), noise: z.string(), random: z.string() }),
  z.strictObject({
    kind: z.literal('files'),
    files: z.array(z.strictObject({ name: z.string(), sha256 })),
    selection: z.string(),
  }),
]);

export const manifestSchema = z.strictObject({
  formatVersion: z.literal(MANIFEST_FORMAT_VERSION),
  datasetId: z.string(),
  /** The DatasetRef with every default explicit; equal to the ref the dataset id was computed from. */
  ref: z.record(z.string(), z.unknown()),
  classes: z.tuple([z.string(), z.string()]),
  featureShape: z.array(z.number().int().positive()),
  /** How stored x values become features: uint8 pixels are divided by 255, float32 values are used as they are. */
  scaling: z.enum(['divide-by-255', 'none']),
  pixelRange: z.boolean(),
  source: sourceSchema,
  /** Half the l2 / linf distance between the class means, over the training split of R = 1 (radii.ts). */
  epsMax: z.strictObject({ l2: z.number().nonnegative(), linf: z.number().nonnegative() }),
  splits: z.strictObject(
    Object.fromEntries(SPLIT_NAMES.map((name) => [name, splitSchema])) as Record<
      SplitName,
      typeof splitSchema
    >,
  ),
});

export type Manifest = z.output<typeof manifestSchema>;
export type ArrayFile = z.output<typeof arrayFileSchema>;
export type ManifestSource = z.output<typeof sourceSchema>;

export const manifestKey = (datasetId: string) => `${datasetPrefix(datasetId)}manifest.json`;
export const arrayKey = (datasetId: string, file: string) => `${datasetPrefix(datasetId)}${file}`;
export const arrayFileName = (split: SplitName, part: 'x' | 'y') => `${split}-${part}.npy`;
