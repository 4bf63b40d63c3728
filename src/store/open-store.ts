import { deploymentEnv } from '../env.js';
import { LocalFolderStore } from './local-folder.js';
import type { ObjectStore } from './object-store.js';
import { openS3Store } from './s3.js';
import { parseStoreAddress } from './store-uri.js';

/** The embedded default: a folder in the current directory. */
export const DEFAULT_STORE_URI = '.adgap/store';

/** Opens a store from a URI: `file:///abs/path`, a plain path, or `s3://bucket/prefix` (store-uri.ts). */
export function openStore(uri: string = DEFAULT_STORE_URI): ObjectStore {
  const address = parseStoreAddress(uri);
  return address.kind === 's3'
    ? openS3Store(address.uri, deploymentEnv())
    : new LocalFolderStore(address.path);
}
