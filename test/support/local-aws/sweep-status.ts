import { expect } from 'vitest';
import type { adgap } from '../../helpers/cli.js';

/** Polls `adgap sweep status` until no Batch job is queued or running; returns its last output. */
export async function waitForStatus(
  cli: (...args: string[]) => ReturnType<typeof adgap>,
  sweepId: string,
  store: string,
): Promise<string> {
  for (;;) {
    const out = await cli('sweep', 'status', sweepId, '--store', store);
    expect(out.code, out.stderr).toBe(0);
    if (
      !/ (SUBMITTED|PENDING|RUNNABLE|STARTING|RUNNING)\b/.test(out.stdout.split('AWS Batch jobs')[1] ?? '')
    ) {
      return out.stdout;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
