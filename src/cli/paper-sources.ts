import type { GroupData } from '../application/paper-plan.js';
import { datasetId } from '../datasets/dataset-id.js';
import { manifestKey } from '../datasets/manifest.js';
import { prepareDatasets } from '../datasets/prepare.js';
import { type DatasetGroup, type DatasetRef, isSyntheticGroup } from '../datasets/types.js';
import { AdgapError } from '../errors.js';
import { imageSourceAvailability } from '../sources/availability.js';
import { readImageSource } from '../sources/image-source.js';
import type { ObjectStore } from '../store/object-store.js';
import { datasetRefs } from '../sweep/expand.js';
import type { SweepFile } from '../sweep/schema.js';

const refsOf = (sweep: SweepFile, group: DatasetGroup): DatasetRef[] =>
  datasetRefs(sweep).filter((ref) => ref.group === group);

/**
 * Checked before the plan says a group "runs now": generated data and datasets the store already holds need no
 * source; otherwise the group's files must be on disk or downloadable now (the plan says how much it downloads
 * first), else the group cannot run and the reason says what fixes it.
 */
export async function groupData(
  store: ObjectStore,
  sweep: SweepFile,
  group: DatasetGroup,
): Promise<GroupData> {
  if (isSyntheticGroup(group)) return { ready: true, note: '' };
  const present = await Promise.all(
    refsOf(sweep, group).map(async (ref) => (await store.head(manifestKey(datasetId(ref)))) !== undefined),
  );
  if (present.every(Boolean)) return { ready: true, note: ' (its datasets are in the store)' };
  const availability = await imageSourceAvailability(group);
  switch (availability.state) {
    case 'on-disk':
      return { ready: true, note: '' };
    case 'download': {
      const size =
        availability.bytes === undefined ? 'its files' : `${(availability.bytes / 1e6).toFixed(1)} MB`;
      return { ready: true, note: `; downloads ${size} first from ${availability.from}` };
    }
    case 'unavailable':
      return { ready: false, reason: availability.reason };
  }
}

/**
 * Prepares a group's missing datasets now, downloading its files if need be. A source that cannot be had (the
 * download failed, the files are missing or damaged) leaves the group out: its one-line reason is returned. Any
 * other error (the store's) is thrown, as it would stop every group.
 */
export async function prepareGroup(
  store: ObjectStore,
  sweep: SweepFile,
  group: DatasetGroup,
): Promise<string | undefined> {
  let sourceError: unknown;
  const read = (g: Parameters<typeof readImageSource>[0]) =>
    readImageSource(g).catch((error: unknown) => {
      sourceError = error;
      throw error;
    });
  try {
    await prepareDatasets(store, refsOf(sweep, group), read);
    return undefined;
  } catch (error) {
    if (error === sourceError && error instanceof AdgapError) return error.message;
    throw error;
  }
}
