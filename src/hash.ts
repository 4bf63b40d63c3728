import { createHash } from 'node:crypto';

/** JSON with sorted keys, so equal values hash equally whatever order their source had. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** SHA-256 as 64 lowercase hex digits: how datasets, manifests and the content cache name file contents. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function shortHash(value: unknown, length = 8): string {
  return sha256Hex(canonicalJson(value)).slice(0, length);
}
