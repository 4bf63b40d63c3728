import { AdgapError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../hash.js';
import { ObjectExistsError, type ObjectStore } from '../store/object-store.js';
import { datasetId } from './dataset-id.js';
import { IMAGE_CLASSES, type ImageSet, imagePools } from './image-pools.js';
import {
  arrayFileName,
  arrayKey,
  MANIFEST_FORMAT_VERSION,
  type Manifest,
  type ManifestSource,
  manifestKey,
} from './manifest.js';
import { dtypeOf, encodeNpy } from './npy.js';
import { type EpsMax, epsMaxOfPools } from './radii.js';
import { assembleSplits, type ClassPool, splitCounts } from './splits.js';
import { noiseDescription, syntheticPools } from './synthetic.js';
import { type DatasetRef, type ImageGroup, isSyntheticGroup, SPLIT_NAMES } from './types.js';

/** A file a dataset was prepared from, as recorded in its manifest (names only: paths differ per machine). */
export interface SourceFile {
  name: string;
  sha256: string;
}

export interface ImageSource {
  set: ImageSet;
  files: SourceFile[];
}

/**
 * Reads the published files of an image group. The core reads no files and fetches nothing: the CLI hands in
 * src/sources/image-source.ts's reader, so preparing happens in `data prepare` and `sweep run`, never in a job.
 */
export type ReadImageSource = (group: ImageGroup) => Promise<ImageSource>;

export interface PrepareOutcome {
  datasetId: string;
  /** false when the store already held the dataset. */
  prepared: boolean;
}

/** What every R of one (group, data seed, sizes, parameters) shares: its class pools and where they came from. */
interface Pools {
  pools: [ClassPool, ClassPool];
  featureShape: number[];
  pixels: boolean;
  classes: [string, string];
  source: ManifestSource;
  epsMax: EpsMax;
}

/**
 * Prepares every dataset of `refs` that the store lacks. Refs that differ only in R share class pools, which are
 * built (and real sources read) once. Within a process, preparations of the same pools run one after another,
 * so a dataset is never prepared twice at once; across processes, the same inputs give the same array bytes
 * and the manifest is written last and write-once, so racing preparers still leave one valid copy.
 */
export async function prepareDatasets(
  store: ObjectStore,
  refs: DatasetRef[],
  readImageSource: ReadImageSource,
): Promise<PrepareOutcome[]> {
  const byPools = new Map<string, DatasetRef[]>();
  for (const ref of refs) {
    const key = canonicalJson({ ...ref, R: null });
    byPools.set(key, [...(byPools.get(key) ?? []), ref]);
  }
  const sources = new Map<ImageGroup, Promise<ImageSource>>();
  const readSource = (group: ImageGroup) => {
    const cached = sources.get(group) ?? readImageSource(group);
    sources.set(group, cached);
    return cached;
  };
  const outcomes: PrepareOutcome[] = [];
  for (const [key, group] of byPools) {
    outcomes.push(
      ...(await oneAtATime(`${store.uri} ${key}`, () => preparePoolGroup(store, group, readSource))),
    );
  }
  return outcomes;
}

async function preparePoolGroup(
  store: ObjectStore,
  refs: DatasetRef[],
  readSource: (group: ImageGroup) => Promise<ImageSource>,
): Promise<PrepareOutcome[]> {
  const outcomes: PrepareOutcome[] = [];
  let pools: Pools | undefined;
  for (const ref of refs) {
    const id = datasetId(ref);
    if (await store.head(manifestKey(id))) {
      outcomes.push({ datasetId: id, prepared: false });
      continue;
    }
    pools ??= await buildPools(ref, readSource);
    await writeDataset(store, ref, pools);
    outcomes.push({ datasetId: id, prepared: true });
  }
  return outcomes;
}

async function buildPools(
  ref: DatasetRef,
  readSource: (group: ImageGroup) => Promise<ImageSource>,
): Promise<Pools> {
  const { group } = ref;
  if (isSyntheticGroup(group)) {
    if (!ref.synthetic)
      throw new AdgapError(`dataset ${datasetId(ref)}: a ${group} dataset needs synthetic parameters`);
    const pools = syntheticPools(group, ref.synthetic, ref.sizes, ref.dataSeed);
    return {
      pools,
      featureShape: [ref.synthetic.dim],
      pixels: false,
      classes: ['+mu', '-mu'],
      source: {
        kind: 'generator',
        noise: noiseDescription(group),
        random: 'xoroshiro128+ (pure-rand), data seed streams 0 (majority, +mu) and 1 (minority, -mu)',
      },
      epsMax: epsMaxOfPools(pools, ref.sizes.train, (v) => v),
    };
  }
  const source = await readSource(group);
  const pools = imagePools(group, source.set, ref.sizes, ref.dataSeed);
  return {
    pools,
    featureShape: source.set.featureShape,
    pixels: true,
    classes: IMAGE_CLASSES[group].names,
    source: {
      kind: 'files',
      files: source.files,
      selection:
        'per class: train and validation drawn from the official training set, test from the official test set, ' +
        'each a seeded random selection in seeded random order (data seed streams 2c and 2c+1 for class c)',
    },
    epsMax: epsMaxOfPools(pools, ref.sizes.train, pixelToFeature),
  };
}

/** The one conversion of stored pixels to features, shared by preparing (radii) and loading. */
export function pixelToFeature(pixel: number): number {
  return Math.fround(pixel / 255);
}

async function writeDataset(store: ObjectStore, ref: DatasetRef, pools: Pools): Promise<void> {
  const id = datasetId(ref);
  const splits = assembleSplits(pools.pools, ref.sizes, ref.R);
  const counts = splitCounts(ref.sizes, ref.R);
  const put = async (file: string, data: Uint8Array | Float32Array, shape: number[]) => {
    const bytes = encodeNpy(data, shape);
    // Not write-once: a leftover from an interrupted prepare is replaced; racing preparers write equal bytes.
    await store.put(arrayKey(id, file), bytes);
    return { file, dtype: dtypeOf(data), shape, bytes: bytes.length, sha256: sha256Hex(bytes) };
  };
  const manifestSplits = {} as Manifest['splits'];
  for (const name of SPLIT_NAMES) {
    const split = splits[name];
    manifestSplits[name] = {
      count: split.count,
      classCounts: counts[name],
      x: await put(arrayFileName(name, 'x'), split.x, [split.count, ...pools.featureShape]),
      y: await put(arrayFileName(name, 'y'), split.y, [split.count]),
    };
  }
  const manifest: Manifest = {
    formatVersion: MANIFEST_FORMAT_VERSION,
    datasetId: id,
    ref: { ...ref },
    classes: pools.classes,
    featureShape: pools.featureShape,
    scaling: pools.pixels ? 'divide-by-255' : 'none',
    pixelRange: pools.pixels,
    source: pools.source,
    epsMax: pools.epsMax,
    splits: manifestSplits,
  };
  const body = `${JSON.stringify(manifest, null, 2)}\n`;
  try {
    await store.put(manifestKey(id), body, { ifAbsent: true });
  } catch (error) {
    if (!(error instanceof ObjectExistsError)) throw error;
    const existing = new TextDecoder().decode(await store.get(manifestKey(id)));
    if (existing !== body) {
      throw new AdgapError(
        `dataset ${id}: another prepare wrote a different manifest at the same time (different source files?); ` +
          `delete ${manifestKey(id)} in ${store.uri} and prepare again`,
      );
    }
  }
}

const running = new Map<string, Promise<unknown>>();

/** Runs tasks with the same key one after another within this process. */
function oneAtATime<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = running.get(key) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(task);
  running.set(key, next);
  const forget = () => {
    if (running.get(key) === next) running.delete(key);
  };
  next.then(forget, forget);
  return next;
}
