import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import type { JobEvent } from '../train/job.js';
import type { JobFailure, Runner, SweepTarget } from './runner.js';

const CLI = fileURLToPath(new URL('../../bin/adgap.js', import.meta.url));

/**
 * The embedded default: each job is a child process running `adgap job run`, `concurrency` at a time
 * (default one per core). Processes, not threads, so a crash or a kill loses at most the runs in flight,
 * and every job starts with a fresh tfjs engine.
 */
export class LocalProcessRunner implements Runner {
  readonly name = 'local';

  constructor(private readonly concurrency: number = availableParallelism()) {}

  async runJobs(target: SweepTarget, jobIndexes: readonly number[], onEvent: (event: JobEvent) => void) {
    const limit = pLimit(this.concurrency);
    const outcomes = await Promise.all(
      jobIndexes.map((index) => limit(() => runChild(target, index, onEvent))),
    );
    return outcomes.filter((f): f is JobFailure => f !== undefined);
  }
}

function runChild(target: SweepTarget, jobIndex: number, onEvent: (event: JobEvent) => void) {
  return new Promise<JobFailure | undefined>((resolve) => {
    const args = [
      CLI,
      'job',
      'run',
      '--store',
      target.storeUri,
      '--sweep',
      target.sweepId,
      '--job',
      String(jobIndex),
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
