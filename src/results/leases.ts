import { leaseKey, leasesPrefix } from '../store/layout.js';
import { getJson, listAll, ObjectExistsError, type ObjectStore, putJson } from '../store/object-store.js';
import { formatLeaseOwner, type LeaseOwner, parseLeaseOwner, takesOver } from './lease-owner.js';

/**
 * Who is training a job, until when. Two `sweep run`s of one sweep (or a retried Batch child next to a slow
 * one) would otherwise train every run twice; results stay write-once either way, so a lease only saves the
 * duplicate work and says who holds it.
 *
 * A lease is a sequence of write-once objects, `leases/job-<n>/<generation>.json`: taking or renewing it is a
 * conditional create of the next generation (If-None-Match on S3, a hard link in a folder), so of two writers
 * exactly one gets each generation, with no read-modify-write. The newest generation is the lease; it is free
 * when it has expired (its holder died: killed runs block the next for at most the lease's duration) or was
 * released. Expiry compares clocks across machines, so the duration is long against clock skew.
 */
export interface Lease {
  jobIndex: number;
  generation: number;
  /** A LeaseOwner as formatLeaseOwner writes it (lease-owner.ts). */
  owner: string;
  expiresAt: string;
}

/** How long a lease lasts without renewal; its holder renews it every third of that. */
export const LEASE_MS = 2 * 60 * 1000;

const isLive = (lease: Lease, nowMs: number) => Date.parse(lease.expiresAt) > nowMs;

/** The newest generation of every job's lease, from one listing. */
async function newestLeases(store: ObjectStore, sweepId: string, jobIndex?: number): Promise<Lease[]> {
  const newest = new Map<string, string>();
  const prefix = leasesPrefix(sweepId) + (jobIndex === undefined ? '' : `job-${jobIndex}/`);
  for await (const { key } of listAll(store, prefix)) {
    const job = key.slice(0, key.lastIndexOf('/'));
    const known = newest.get(job);
    // Generations are zero-padded, so key order is generation order.
    if (key.endsWith('.json') && (known === undefined || key > known)) newest.set(job, key);
  }
  return Promise.all([...newest.values()].map((key) => getJson<Lease>(store, key)));
}

/** The jobs of a sweep that someone holds now, with their leases. */
export async function heldJobs(
  store: ObjectStore,
  sweepId: string,
  nowMs = Date.now(),
): Promise<Map<number, Lease>> {
  const held = new Map<number, Lease>();
  for (const lease of await newestLeases(store, sweepId))
    if (isLive(lease, nowMs)) held.set(lease.jobIndex, lease);
  return held;
}

/** A lease this process holds: renew it while training, release it when done. */
export interface HeldLease {
  /** Writes the next generation; false when another owner took the lease (this one had expired). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * Takes job `jobIndex`'s lease for `owner`, or returns the live lease of whoever holds it (unless `owner` takes
 * over from it). Losing the race for the next generation to another process is reported as that process
 * holding it.
 */
export async function acquireLease(
  store: ObjectStore,
  sweepId: string,
  jobIndex: number,
  owner: LeaseOwner,
  durationMs = LEASE_MS,
): Promise<{ held: HeldLease } | { heldBy: Lease }> {
  const [current] = await newestLeases(store, sweepId, jobIndex);
  if (current && isLive(current, Date.now()) && !takesOver(owner, parseLeaseOwner(current.owner)))
    return { heldBy: current };
  let generation = (current?.generation ?? 0) + 1;
  const write = async (expiresAtMs: number): Promise<boolean> => {
    const lease: Lease = {
      jobIndex,
      generation,
      owner: formatLeaseOwner(owner),
      expiresAt: new Date(expiresAtMs).toISOString(),
    };
    try {
      await putJson(store, leaseKey(sweepId, jobIndex, generation), lease, { ifAbsent: true });
    } catch (error) {
      if (error instanceof ObjectExistsError) return false;
      throw error;
    }
    // The previous generation is history: only the newest counts. Deleting it keeps one object per job; where
    // the job may not delete (the Batch job role may only put), the bucket's lifecycle rule expires leases/.
    if (generation > 1)
      await store.delete(leaseKey(sweepId, jobIndex, generation - 1)).catch(() => undefined);
    generation += 1;
    return true;
  };
  if (!(await write(Date.now() + durationMs))) {
    const [winner] = await newestLeases(store, sweepId, jobIndex);
    return { heldBy: winner as Lease };
  }
  return {
    held: {
      renew: () => write(Date.now() + durationMs),
      release: async () => {
        await write(Date.now());
      },
    },
  };
}

/**
 * Frees a lease whose holder is known to be dead (a killed process on this machine), so that a rerun right
 * after a kill does not wait for the lease to expire: writes the next generation, already expired. Losing the
 * race to a renewal or another breaker is fine: then the lease is someone's again.
 */
export async function breakLease(store: ObjectStore, sweepId: string, lease: Lease): Promise<void> {
  const broken: Lease = { ...lease, generation: lease.generation + 1, expiresAt: new Date(0).toISOString() };
  try {
    await putJson(store, leaseKey(sweepId, lease.jobIndex, broken.generation), broken, { ifAbsent: true });
  } catch (error) {
    if (!(error instanceof ObjectExistsError)) throw error;
  }
}
