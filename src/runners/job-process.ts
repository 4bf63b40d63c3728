import { spawn } from 'node:child_process';
import pLimit from 'p-limit';
import type { JobEvent } from '../jobs/job.js';
import type { JobFailure, RunnerOutcome } from './runner.js';

/**
 * Runs jobs as child processes, `concurrency` at a time, until all have ended: the local and docker runners
 * differ only in the command that starts one job (`commandFor` gives its executable and arguments).
 */
export async function runJobProcesses(
  jobIndexes: readonly number[],
  concurrency: number,
  commandFor: (jobIndex: number) => [command: string, args: string[]],
  onEvent: (event: JobEvent) => void,
): Promise<RunnerOutcome> {
  const limit = pLimit(concurrency);
  const outcomes = await Promise.all(
    jobIndexes.map((index) => limit(() => runJobProcess(index, ...commandFor(index), onEvent))),
  );
  return { state: 'finished', jobFailures: outcomes.filter((f): f is JobFailure => f !== undefined) };
}

/**
 * Runs one job as a child process (`node bin/adgap.js job run ...`, or `docker run ... job run ...`), passing
 * the JSON event lines it prints to `onEvent`. Resolves to a failure when it exits with any status but 0; the
 * error is the last line it wrote to stderr, which is where the CLI puts its one-line reason.
 */
function runJobProcess(
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
