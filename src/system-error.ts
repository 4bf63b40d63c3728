/**
 * Errors of the environment (a full disk, a read-only folder, a port in use, an unknown host) as one line a
 * user can act on: what could not be done, on which path, port or host, and why. Node's own messages name
 * neither the path of a failed write ("ENOSPC: no space left on device, write") nor what to do.
 */
const CAUSES: Record<string, { cause: string; hint: string }> = {
  ENOSPC: { cause: 'no space left on the device', hint: 'free some space or use another --store' },
  EDQUOT: { cause: 'disk quota exceeded', hint: 'free some space or use another --store' },
  EACCES: { cause: 'permission denied', hint: 'check the permissions, or use another --store' },
  EPERM: { cause: 'operation not permitted', hint: 'check the permissions, or use another --store' },
  EROFS: { cause: 'read-only file system', hint: 'use a writable --store' },
  EMFILE: { cause: 'too many open files', hint: 'raise the limit (ulimit -n) or lower --concurrency' },
  ENFILE: { cause: 'too many open files in the system', hint: 'lower --concurrency' },
  ENOTDIR: { cause: 'a part of the path is a file, not a folder', hint: 'check the path' },
  EISDIR: { cause: 'it is a folder', hint: 'check the path' },
  EIO: { cause: 'input/output error', hint: 'check the disk' },
  EADDRINUSE: { cause: 'address already in use', hint: 'choose another --port (0 picks a free one)' },
  EADDRNOTAVAIL: { cause: 'not an address of this machine', hint: 'check --host' },
  ENOTFOUND: { cause: 'host not found', hint: 'check the host name and the network' },
  EAI_AGAIN: { cause: 'host name lookup failed (temporary)', hint: 'check the network and try again' },
  ECONNREFUSED: { cause: 'connection refused', hint: 'check that the server is running' },
  ETIMEDOUT: { cause: 'timed out', hint: 'check the network' },
  EHOSTUNREACH: { cause: 'host unreachable', hint: 'check the network' },
};

interface SystemError extends Error {
  code?: string;
  syscall?: string;
  path?: string;
  dest?: string;
  address?: string;
  port?: number;
  hostname?: string;
}

/** The cause and what to do, `no space left on the device (ENOSPC); free some space ...`, for a known code. */
export function systemCause(error: unknown): string | undefined {
  const code = (error as SystemError | undefined)?.code;
  const known = code === undefined ? undefined : CAUSES[code];
  return known && `${known.cause} (${code}); ${known.hint}`;
}

/** One line for an environment error, naming its path, port or host; undefined for anything else. */
export function systemErrorMessage(error: unknown): string | undefined {
  const cause = systemCause(error);
  if (cause === undefined) return undefined;
  const e = error as SystemError;
  if (e.syscall === 'listen' || e.syscall === 'bind')
    return `cannot listen on ${e.address ?? 'the address'}:${e.port}: ${cause}`;
  if (e.hostname !== undefined) return `cannot reach host '${e.hostname}': ${cause}`;
  if (e.path !== undefined)
    return `cannot ${e.syscall ?? 'use'} '${e.path}'${e.dest === undefined ? '' : ` (to '${e.dest}')`}: ${cause}`;
  if (e.address !== undefined) return `cannot connect to ${e.address}:${e.port}: ${cause}`;
  return `${e.syscall ?? 'an operation'} failed: ${cause}`;
}
