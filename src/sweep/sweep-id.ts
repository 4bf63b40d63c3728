import { ValidationError } from '../errors.js';
import { shortHash } from '../hash.js';
import type { SweepFile } from './schema.js';

/** The exact shape `sweepId` produces; the API's path schema uses it too. */
export const SWEEP_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,47}-[0-9a-f]{8}$/;

/**
 * A sweep's id: its name and a hash of its definition, so the same file resumes the same sweep. All but
 * `evaluation`: evaluations are computed from the kept weights of finished runs and change none of them, so a
 * file that adds one resumes (and evaluates) the sweep it trained rather than training a new one.
 */
export function sweepId(sweep: SweepFile): string {
  const { evaluation: _evaluation, ...trained } = sweep;
  return `${sweep.name}-${shortHash(trained)}`;
}

/** Sweep ids from users become store keys: only the exact shape `sweepId` produces is accepted. */
export function assertSweepId(id: string): void {
  if (!SWEEP_ID_PATTERN.test(id))
    throw new ValidationError('sweep', `'${id}' is not a sweep id (expected <name>-<8 hex digits>)`);
}
