import { spawn } from 'node:child_process';
import type { JobEvent } from '../train/job.js';
import type { JobFailure } from './runner.js';

/**
 * Runs one job as a child process (`node bin/adgap.js job run ...`, or `docker run ... job run ...`), passing
 * the JSON event lines it prints to `onEvent`. Resolves to a failure when it exits with any status but 0; the
 * error is the last line it wrote to stderr, which is where the CLI puts its one-line reason.
 */
export function runJobProcess(
  jobIndex: number,
  command: string,
  args: readonly string[],
  onEvent: (event: JobEvent) => void,
): Promise<JobFailure | undefined> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') onEvent(JSON.parse(line) as JobEvent);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', (error) => resolve({ jobIndex, error: error.message }));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(undefined);
      else {
        const reason = stderr.trim().split('\n').at(-1) ?? '';
        resolve({ jobIndex, error: reason || `exited with ${signal ?? `code ${code}`}` });
      }
    });
  });
}
