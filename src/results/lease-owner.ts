import { randomBytes } from 'node:crypto';

/**
 * Who holds a job's lease (leases.ts), as the lease object names it. Built and read here only: the job names
 * itself (src/cli/lease-owner.ts), a sweep run asks whether a holder is gone (the docker runner, the local pid
 * check), and a retried Batch attempt takes over its earlier attempt's lease (`takesOver`).
 *
 * - `batch`: an AWS Batch child, `batch:<job id>#<attempt>:<tag>`. Every attempt shares the job id
 *   (`<array job id>:<index>`); the random tag tells two copies of one attempt apart (Batch delivers at least
 *   once).
 * - `container`: a job in a container the docker runner named, `docker:<daemon id>/<container>`; a daemon id
 *   may hold colons.
 * - `process`: a process, `<host>:<pid>:<pid namespace inode, or ->:<tag>`; only a holder in this process's pid
 *   namespace can be checked.
 * - `other`: a name that is none of these (a random `job-<hex>` when the caller named none); never checked.
 */
export type LeaseOwner =
  | { kind: 'batch'; jobId: string; attempt: number; tag: string }
  | { kind: 'container'; daemon: string; container: string }
  | { kind: 'process'; host: string; pid: number; pidNamespace: string; tag: string }
  | { kind: 'other'; name: string };

/** A lease owner when the caller names none: a random tag. (`adgap job run` names its host and pid.) */
export function randomLeaseOwner(): LeaseOwner {
  return { kind: 'other', name: `job-${randomBytes(4).toString('hex')}` };
}

const BATCH = /^batch:(.+)#(\d+):([^:#]+)$/;
const CONTAINER = /^docker:([^/]+)\/([a-zA-Z0-9][a-zA-Z0-9_.-]*)$/;
const PROCESS = /^([^:]+):(\d+):([^:]+):([^:]+)$/;

/** The owner as a lease object stores it. */
export function formatLeaseOwner(owner: LeaseOwner): string {
  switch (owner.kind) {
    case 'batch':
      return `batch:${owner.jobId}#${owner.attempt}:${owner.tag}`;
    case 'container':
      return `docker:${owner.daemon}/${owner.container}`;
    case 'process':
      return `${owner.host}:${owner.pid}:${owner.pidNamespace}:${owner.tag}`;
    case 'other':
      return owner.name;
  }
}

/** The owner a lease object names; a name of no known shape is `other`, which nothing claims. */
export function parseLeaseOwner(text: string): LeaseOwner {
  const batch = BATCH.exec(text);
  if (batch) {
    const [, jobId, attempt, tag] = batch as unknown as [string, string, string, string];
    return { kind: 'batch', jobId, attempt: Number(attempt), tag };
  }
  const container = CONTAINER.exec(text);
  if (container) {
    const [, daemon, name] = container as unknown as [string, string, string];
    return { kind: 'container', daemon, container: name };
  }
  const process = PROCESS.exec(text);
  if (process) {
    const [, host, pid, pidNamespace, tag] = process as unknown as [string, string, string, string, string];
    return { kind: 'process', host, pid: Number(pid), pidNamespace, tag };
  }
  return { kind: 'other', name: text };
}

/**
 * Whether `owner` may take a lease `holder` holds while it is live: its own, or one an earlier attempt of the
 * same AWS Batch job holds. Batch starts a retry only once it holds the previous attempt ended (a Spot reclaim
 * kills it, leaving its lease live), so the retry takes over at once; two copies of one attempt differ in their
 * tags, and the second is kept off.
 */
export function takesOver(owner: LeaseOwner, holder: LeaseOwner): boolean {
  if (formatLeaseOwner(owner) === formatLeaseOwner(holder)) return true;
  return (
    owner.kind === 'batch' &&
    holder.kind === 'batch' &&
    owner.jobId === holder.jobId &&
    owner.attempt > holder.attempt
  );
}
