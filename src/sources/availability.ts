import type { ImageGroup } from '../datasets/types.js';
import { isCached, probeDownload } from './download.js';
import { downloadFolder, hasIdxSet, mnistDataFolder, WHERE_TO_GET } from './image-source.js';
import { type DownloadableGroup, publishedSource } from './published.js';

/**
 * Whether an image group's files can be had here, checked without downloading them: on disk (a folder, the npm
 * package, the download cache), to be downloaded first (how many bytes, from where), or not at all (why, and
 * what to do: the same line reading them would fail with).
 */
export type SourceAvailability =
  | { state: 'on-disk'; where: string }
  | { state: 'download'; bytes: number | undefined; from: string }
  | { state: 'unavailable'; reason: string };

export async function imageSourceAvailability(group: ImageGroup): Promise<SourceAvailability> {
  if (group === 'mnist') {
    try {
      return { state: 'on-disk', where: mnistDataFolder() };
    } catch (error) {
      return { state: 'unavailable', reason: (error as Error).message };
    }
  }
  if (group === 'fmnist') {
    for (const folder of (await publishedSource('fmnist')).folders)
      if (await hasIdxSet(folder)) return { state: 'on-disk', where: folder };
  }
  return downloadAvailability(group);
}

async function downloadAvailability(group: DownloadableGroup): Promise<SourceAvailability> {
  const { files } = await publishedSource(group);
  const folder = downloadFolder(group);
  let bytes: number | undefined = 0;
  const missing = [];
  for (const file of files) if (!(await isCached(file, folder))) missing.push(file);
  if (missing.length === 0) return { state: 'on-disk', where: folder };
  try {
    for (const file of missing) {
      const size = await probeDownload(file, { group, instead: WHERE_TO_GET[group] });
      bytes = size === undefined || bytes === undefined ? undefined : bytes + size;
    }
  } catch (error) {
    return { state: 'unavailable', reason: (error as Error).message };
  }
  return { state: 'download', bytes, from: new URL((missing[0] as { url: string }).url).origin };
}
