import { datasetId } from '../datasets/dataset-id.js';
import { readManifest } from '../datasets/load.js';
import { prepareDatasets, type ReadImageSource } from '../datasets/prepare.js';
import type { ObjectStore } from '../store/object-store.js';
import { type AutoRadii, datasetRefs, usesAutoRadii } from './expand.js';
import type { SweepFile } from './schema.js';

/**
 * The eps_max of every dataset of a sweep that uses `eps: auto`, read from the manifests (preparing missing
 * datasets first), for expandRuns. Empty when no mode says `auto`, so nothing is prepared on its behalf.
 */
export async function resolveAutoRadii(
  store: ObjectStore,
  sweep: SweepFile,
  readImageSource: ReadImageSource,
): Promise<AutoRadii> {
  if (!usesAutoRadii(sweep)) return {};
  const refs = datasetRefs(sweep);
  await prepareDatasets(store, refs, readImageSource);
  const radii: AutoRadii = {};
  for (const ref of refs) radii[datasetId(ref)] = (await readManifest(store, ref)).epsMax;
  return radii;
}
