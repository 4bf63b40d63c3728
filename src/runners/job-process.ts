import { spawn } from 'node:child_process';
import pLimit from 'p-limit';
import type { JobEvent } from '../jobs/job-event.js';
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
 * the JSON event lines it prints to `onEvent`. Resolves to a failure when it exits with any status but 0, with
 * the child's own cause (`childError`).
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
    let jobError: string | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        const event = JSON.parse(line) as JobEvent;
        if (event.event === 'job-failed') jobError = event.error;
        onEvent(event);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', (error) => resolve({ jobIndex, error: error.message }));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(undefined);
      else resolve({ jobIndex, error: jobError ?? childError(stderr, code, signal) });
    });
  });
}

/**
 * The cause of a child's failure from its stderr: the CLI's one-line `adgap: ...` reason; else, after a crash
 * that bypassed it, the `SomeError: message` line Node prints above the stack (its last line is only
 * "Node.js v20.x"); else the last line; else the exit status.
 */
export function childError(stderr: string, code: number | null, signal: NodeJS.Signals | null): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
  const reason =
    lines.findLast((l) => l.startsWith('adgap: '))?.slice('adgap: '.length) ??
    lines.find((l) => /^(\w*Error( \[\w+\])?|FATAL ERROR): /.test(l)) ??
    lines.findLast((l) => !/^Node\.js v\d/.test(l) && !l.startsWith('at ') && l !== '^');
  return reason ? `${reason} (${exit})` : exit;
}
