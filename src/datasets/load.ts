import { AdgapError, NotFoundError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../hash.js';
import { ChecksumMismatchError, type ContentCache } from '../store/content-cache.js';
import { datasetPrefix } from '../store/layout.js';
import { ObjectNotFoundError, type ObjectStore } from '../store/object-store.js';
import { datasetId } from './dataset-id.js';
import { type ArrayFile, arrayKey, type Manifest, manifestKey, manifestSchema } from './manifest.js';
import { decodeNpy } from './npy.js';
import { pixelToFeature } from './prepare.js';
import { type DatasetRef, type LoadedDataset, SPLIT_NAMES, type Split, type SplitName } from './types.js';

/** A prepared dataset whose files do not match its manifest. */
export class DatasetIntegrityError extends AdgapError {
  override readonly name = 'DatasetIntegrityError';
}

/** The manifest of a prepared dataset, validated and checked to describe `ref`. */
export async function readManifest(store: ObjectStore, ref: DatasetRef): Promise<Manifest> {
  const id = datasetId(ref);
  const key = manifestKey(id);
  const broken = (what: string) =>
    new DatasetIntegrityError(
      `${key} in ${store.uri}: ${what}; delete ${datasetPrefix(id)} and run 'adgap data prepare ${ref.group}' again`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(await store.get(key)));
  } catch (error) {
    if (error instanceof SyntaxError) throw broken('not valid JSON');
    if (error instanceof ObjectNotFoundError && error.key === key) {
      throw new NotFoundError(
        `dataset ${id} is not prepared in ${store.uri}; 'adgap sweep run' prepares a sweep's datasets before ` +
          `its jobs start, or run 'adgap data prepare ${ref.group}'`,
      );
    }
    throw error;
  }
  const result = manifestSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw broken(`not a dataset manifest (${issue?.path.join('.')}: ${issue?.message})`);
  }
  if (canonicalJson(result.data.ref) !== canonicalJson(ref)) throw broken('describes a different dataset');
  return result.data;
}

/**
 * The dataset of a run, as every engine sees it: a prepared dataset (jobs never prepare one), every array file
 * verified against the sha256 in its manifest. With a cache, array files come from local disk after the first
 * download (the cache verifies them the same way).
 */
export async function loadDataset(
  store: ObjectStore,
  ref: DatasetRef,
  cache?: ContentCache,
): Promise<LoadedDataset> {
  const manifest = await readManifest(store, ref);
  const id = manifest.datasetId;
  const read = async (file: ArrayFile) => {
    const key = arrayKey(id, file.file);
    const broken = (what: string) =>
      new DatasetIntegrityError(
        `${key} in ${store.uri}: ${what}; delete ${datasetPrefix(id)} and run 'adgap data prepare ${ref.group}' again`,
      );
    const mismatch = (actual: string) => broken(`sha256 ${actual}, the manifest says ${file.sha256}`);
    let bytes: Uint8Array;
    if (cache) {
      bytes = await cache.get(store, key, file.sha256).catch((error: unknown) => {
        throw error instanceof ChecksumMismatchError ? mismatch(error.actualSha256) : error;
      });
    } else {
      bytes = await store.get(key);
      if (bytes.length !== file.bytes) {
        throw broken(`${bytes.length} bytes, the manifest says ${file.bytes} (truncated or replaced file)`);
      }
      const actual = sha256Hex(bytes);
      if (actual !== file.sha256) throw mismatch(actual);
    }
    const array = decodeNpy(bytes, key);
    if (array.dtype !== file.dtype || array.shape.join() !== file.shape.join()) {
      throw broken(
        `holds ${array.dtype} [${array.shape.join(', ')}], the manifest says ${file.dtype} [${file.shape.join(', ')}]`,
      );
    }
    return array.data;
  };
  const splits = {} as Record<SplitName, Split>;
  for (const name of SPLIT_NAMES) {
    const entry = manifest.splits[name];
    const stored = await read(entry.x);
    const x = stored instanceof Float32Array ? stored : pixelsToFeatures(stored);
    const y = await read(entry.y);
    if (!(y instanceof Uint8Array)) {
      throw new DatasetIntegrityError(`${arrayKey(id, entry.y.file)} in ${store.uri}: labels must be uint8`);
    }
    splits[name] = { x, y, count: entry.count };
  }
  return { ref, featureShape: manifest.featureShape, pixelRange: manifest.pixelRange, splits };
}

// A 256-entry table: a CIFAR training split is 25 million pixels, converted on every job start.
const PIXEL_FEATURES = Float32Array.from({ length: 256 }, (_, pixel) => pixelToFeature(pixel));

function pixelsToFeatures(pixels: Uint8Array): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = PIXEL_FEATURES[pixels[i] as number] as number;
  return out;
}
