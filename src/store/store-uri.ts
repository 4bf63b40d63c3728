import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../errors.js';

/** What `--store` accepts, said in every refusal of a store address. */
export const STORE_FORMS = 'allowed: a folder path, file:///absolute/path, s3://bucket or s3://bucket/prefix';

/** Where a store address points: a folder on this machine (an absolute path) or an S3 bucket and prefix. */
export type StoreAddress = { kind: 'folder'; path: string } | { kind: 's3'; uri: string };

/**
 * Reads a store address strictly. A store gets `datasets/`, `sweeps/` and `leases/` written into it, so an
 * address that is empty, partial or mistyped must never fall through to some folder it happens to name: `''`
 * would be the current directory, `file://` the file system root, `s3:/x` a local folder `./s3:/x`.
 */
export function parseStoreAddress(uri: string): StoreAddress {
  const refuse = (why: string) => new ValidationError('store', `'${uri}' ${why} (${STORE_FORMS})`);
  if (uri.trim() === '') throw refuse('names no store');
  // Every message names the address on one line; a control character would break it (and is a typo anyway).
  if (/\p{Cc}/u.test(uri)) throw refuse('contains a control character');
  if (uri.startsWith('s3://')) return { kind: 's3', uri };
  if (uri.startsWith('file://')) return folder(fileUrlPath(uri, refuse), refuse);
  if (/^s3:/i.test(uri)) throw refuse('is not an S3 address');
  if (/^file:/i.test(uri)) throw refuse('is not a file URI');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) throw refuse('has an unsupported scheme');
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) {
    throw refuse(`reads as a URI scheme; a folder whose name has a ':' can be given as ./${uri}`);
  }
  if (uri.startsWith('~')) throw refuse("starts with '~', which only a shell expands; give the full path");
  return folder(resolve(uri), refuse);
}

function fileUrlPath(uri: string, refuse: (why: string) => ValidationError): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw refuse('is not a valid file URI');
  }
  // RFC 8089: file://localhost/x is file:///x; any other host is another machine, which a folder store is not.
  if (url.hostname !== '' && url.hostname !== 'localhost') {
    throw refuse(`names the host '${url.hostname}'; a folder store is on this machine`);
  }
  if (url.search !== '' || url.hash !== '') throw refuse("has a '?' or '#' part, which no folder has");
  try {
    return fileURLToPath(new URL(url.pathname, 'file:///'));
  } catch {
    // An encoded '/' (%2F) in the path, which Node refuses to decode into a path.
    throw refuse('is not a valid file URI');
  }
}

function folder(path: string, refuse: (why: string) => ValidationError): StoreAddress {
  // An escaped control character (file:///a%0Ab) decodes into the path itself.
  if (/\p{Cc}/u.test(path)) throw refuse('contains a control character');
  if (path === resolve('/')) throw refuse(`is the file system root ${path}, not a store folder`);
  return { kind: 'folder', path };
}
