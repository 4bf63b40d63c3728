import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { KEY_SEGMENT } from '../store/object-store.js';

const cursorSchema = z.strictObject({ after: z.string().regex(KEY_SEGMENT) });

/** Opaque to clients, so the paging position can change form without breaking them. */
export function encodeCursor(lastRunId: string): string {
  return Buffer.from(JSON.stringify({ after: lastRunId })).toString('base64url');
}

/** The run id a cursor continues after; anything this API did not hand out is a 400 naming `cursor`. */
export function decodeCursor(cursor: string): string {
  const bytes = Buffer.from(cursor, 'base64url');
  // Node's decoder skips characters outside the alphabet, so a cursor must also encode back to itself.
  if (bytes.toString('base64url') === cursor) {
    try {
      const parsed = cursorSchema.safeParse(JSON.parse(bytes.toString('utf8')));
      if (parsed.success) return parsed.data.after;
    } catch {
      // not JSON: falls through to the error below
    }
  }
  throw new ValidationError('cursor', 'not a cursor returned by this API (pass back the `cursor` of a page)');
}
