import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Lease } from '../sweep/leases.js';

/**
 * Who holds a job's lease (src/sweep/leases.ts). An AWS Batch child is its job id (`<array job id>:<index>`),
 * which every attempt shares, so a retry after a Spot reclaim that killed the first attempt takes the lease
 * over at once. Elsewhere: host, pid and a random tag (pids repeat across containers).
 */
export function leaseOwner(): string {
  const batchJob = process.env.AWS_BATCH_JOB_ID;
  return batchJob ? `batch:${batchJob}` : `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * Whether a lease's holder was a process of this machine that no longer exists: a sweep run killed with its
 * jobs (Ctrl-C twice, kill -9) must not keep a rerun waiting for the lease to expire.
 */
export function abandonedHere(lease: Lease): boolean {
  const [host, pid] = lease.owner.split(':');
  if (host !== hostname() || !/^\d+$/.test(pid ?? '')) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    // EPERM: the process exists under another user.
    return (error as { code?: string }).code === 'ESRCH';
  }
}
