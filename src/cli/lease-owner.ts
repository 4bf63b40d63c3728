import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { runnerLeaseOwner } from '../env.js';
import { type LeaseOwner, parseLeaseOwner } from '../results/lease-owner.js';

/**
 * Who this job is as a lease holder (src/results/lease-owner.ts). An AWS Batch child is its job id, its attempt
 * and a random tag: a retry after a Spot reclaim that killed an earlier attempt takes the lease over at once,
 * and a second copy of one attempt does not. A job whose runner names its holder (ADGAP_LEASE_OWNER: the docker
 * runner names the container, which numbers its processes in a pid namespace of its own) is that name, which
 * the runner can check. Elsewhere: this process, with a random tag.
 */
export function leaseOwner(): LeaseOwner {
  const tag = randomBytes(3).toString('hex');
  const batchJob = process.env.AWS_BATCH_JOB_ID;
  if (batchJob)
    return { kind: 'batch', jobId: batchJob, attempt: Number(process.env.AWS_BATCH_JOB_ATTEMPT) || 1, tag };
  const named = runnerLeaseOwner();
  if (named !== undefined) return parseLeaseOwner(named);
  return { kind: 'process', host: hostname(), pid: process.pid, pidNamespace: pidNamespace(), tag };
}

/** The inode of this process's pid namespace (Linux), or '-' where /proc does not tell. */
function pidNamespace(): string {
  try {
    return /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '-';
  } catch {
    return '-';
  }
}

/**
 * Whether a lease's holder was a process of this machine that no longer exists: a sweep run killed with its
 * jobs (Ctrl-C twice, kill -9) must not keep a rerun waiting for the lease to expire.
 */
export function abandonedHere(owner: LeaseOwner): boolean {
  if (owner.kind !== 'process' || owner.host !== hostname()) return false;
  if (owner.pidNamespace === '-' || owner.pidNamespace !== pidNamespace()) return false;
  return !isProcessAlive(owner.pid);
}

/**
 * Whether process `pid` of this pid namespace still runs. A zombie does not: a job killed with its sweep run
 * is re-parented to PID 1, which may reap it only seconds later, and until then signal 0 still reaches it.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists under another user.
    return (error as { code?: string }).code !== 'ESRCH';
  }
  try {
    // The state follows the parenthesised command name, which may itself hold spaces or parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch (error) {
    return (error as { code?: string }).code !== 'ENOENT';
  }
}
