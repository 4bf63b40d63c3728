import { fileURLToPath } from 'node:url';
import { deploymentEnv } from '../env.js';
import { ValidationError } from '../errors.js';
import { LocalFolderStore } from './local-folder.js';
import type { ObjectStore } from './object-store.js';
import { openS3Store } from './s3.js';

/** The embedded default: a folder in the current directory. */
export const DEFAULT_STORE_URI = '.adgap/store';

/** Opens a store from a URI: `file:///abs/path`, a plain path, or `s3://bucket/prefix`. */
export function openStore(uri: string = DEFAULT_STORE_URI): ObjectStore {
  if (uri.startsWith('file://')) return new LocalFolderStore(fileURLToPath(uri));
  if (uri.startsWith('s3://')) return openS3Store(uri, deploymentEnv());
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new ValidationError(
      'store',
      `'${uri}' has an unsupported scheme (allowed: file://, s3://, a plain path)`,
    );
  }
  return new LocalFolderStore(uri);
}
