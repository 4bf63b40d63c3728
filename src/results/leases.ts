import { z } from 'zod';
import { leaseKey, leasesPrefix, unreadableLeaseKey } from '../store/layout.js';
import {
  listAll,
  ObjectExistsError,
  ObjectNotFoundError,
  type ObjectStore,
  putJson,
} from '../store/object-store.js';
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

const leaseSchema = z.object({
  jobIndex: z.int().min(0),
  generation: z.int().min(1),
  owner: z.string().min(1),
  expiresAt: z.iso.datetime(),
});

/**
 * The newest generation of one job's lease as stored. `lease` is absent when the object cannot be read (not
 * JSON, not a lease, or not the job and generation its key names): such a lease counts as expired, so a garbage
 * object never blocks its job, and the next generation is numbered from its key.
 */
interface StoredLease {
  key: string;
  jobIndex: number;
  generation: number;
  lease?: Lease;
  reason?: string;
}

/** The lease objects of a sweep by job, from one listing; `misnamed`: `.json` objects no lease writer names. */
async function listLeases(
  store: ObjectStore,
  sweepId: string,
  jobIndex?: number,
): Promise<{ newest: StoredLease[]; misnamed: string[] }> {
  const newest = new Map<number, { key: string; generation: number }>();
  const misnamed: string[] = [];
  const prefix = leasesPrefix(sweepId) + (jobIndex === undefined ? '' : `job-${jobIndex}/`);
  for await (const { key } of listAll(store, prefix)) {
    if (!key.endsWith('.json')) continue;
    const named = LEASE_NAME.exec(key.slice(leasesPrefix(sweepId).length));
    if (named === null) {
      misnamed.push(key);
      continue;
    }
    const [job, generation] = [Number(named[1]), Number(named[2])];
    const known = newest.get(job);
    if (known === undefined || generation > known.generation) newest.set(job, { key, generation });
  }
  const read = async ([job, { key, generation }]: [number, { key: string; generation: number }]) => {
    const stored: StoredLease = { key, jobIndex: job, generation };
    const reason = await readLease(store, stored);
    return typeof reason === 'string' ? { ...stored, reason } : { ...stored, lease: reason };
  };
  return { newest: await Promise.all([...newest].map(read)), misnamed };
}

/** `job-<n>/<generation, 12 digits>.json`, as leaseKey writes it. */
const LEASE_NAME = /^job-(\d+)\/(\d{12})\.json$/;

/** The lease, or why it cannot be used. */
async function readLease(
  store: ObjectStore,
  { key, jobIndex, generation }: Omit<StoredLease, 'lease'>,
): Promise<Lease | string> {
  let text: string;
  try {
    text = new TextDecoder().decode(await store.get(key));
  } catch (error) {
    // Deleted as history between the listing and the read: a newer generation holds the job now.
    if (error instanceof ObjectNotFoundError) return 'removed while being read';
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON (${(error as Error).message}; ${text.length} bytes)`;
  }
  const parsed = leaseSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `not a lease (${issue?.path.join('.') || 'the object'}: ${issue?.message})`;
  }
  if (parsed.data.jobIndex !== jobIndex || parsed.data.generation !== generation)
    return `names job ${parsed.data.jobIndex} generation ${parsed.data.generation}, not the job and generation of its key`;
  return parsed.data;
}

/** The jobs of a sweep that someone holds now, with their leases. */
export async function heldJobs(
  store: ObjectStore,
  sweepId: string,
  nowMs = Date.now(),
): Promise<Map<number, Lease>> {
  const held = new Map<number, Lease>();
  for (const { lease } of (await listLeases(store, sweepId)).newest)
    if (lease !== undefined && isLive(lease, nowMs)) held.set(lease.jobIndex, lease);
  return held;
}

/** A lease object set aside by setAsideUnreadableLeases: where it was, where it is, and what was wrong. */
export interface SetAsideLease {
  key: string;
  movedTo: string;
  reason: string;
}

/**
 * Moves the lease objects of a sweep that cannot be read (the newest generation of a job, or a `.json` object
 * named as no generation) aside, beside themselves under a name that says so (unreadableLeaseKey), kept for
 * inspection. They already count as expired; moving them keeps the next generation's numbering and the
 * listing clean. One that another process removed meanwhile (it took the job's next generation) is skipped.
 */
export async function setAsideUnreadableLeases(
  store: ObjectStore,
  sweepId: string,
): Promise<SetAsideLease[]> {
  const { newest, misnamed } = await listLeases(store, sweepId);
  const unreadable = [
    ...newest.flatMap(({ key, reason }) => (reason === undefined ? [] : [{ key, reason }])),
    ...misnamed.map((key) => ({ key, reason: 'not named as a lease generation (job-<n>/<12 digits>.json)' })),
  ];
  const stamp = Date.now();
  const moved: SetAsideLease[] = [];
  for (const { key, reason } of unreadable) {
    let body: Uint8Array;
    try {
      body = await store.get(key);
    } catch (error) {
      if (error instanceof ObjectNotFoundError) continue;
      throw error;
    }
    const movedTo = unreadableLeaseKey(key, stamp);
    await store.put(movedTo, body);
    await store.delete(key);
    moved.push({ key, movedTo, reason });
  }
  return moved;
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
  const [current] = (await listLeases(store, sweepId, jobIndex)).newest;
  const live = current?.lease;
  if (live && isLive(live, Date.now()) && !takesOver(owner, parseLeaseOwner(live.owner)))
    return { heldBy: live };
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
    const [winner] = (await listLeases(store, sweepId, jobIndex)).newest;
    // The winner wrote a lease; one unreadable here (garbage written at that very generation) is said to be so.
    return {
      heldBy: winner?.lease ?? {
        jobIndex,
        generation,
        owner: `an unreadable lease (${winner?.key ?? 'gone'})`,
        expiresAt: new Date().toISOString(),
      },
    };
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
