import { availableParallelism, totalmem } from 'node:os';
import { InvalidArgumentError } from 'commander';
import { JOB_RESOURCES } from '../stack-contract.js';
import { formatBytes, JOB_PROCESS_BYTES, type MemoryTarget } from '../sweep/job-memory.js';

/** This machine's memory: the total, or a container's (cgroup's) limit where that is lower. */
export function machineMemoryBytes(): number {
  const limit = process.constrainedMemory();
  const total = totalmem();
  return limit > 0 && limit < total ? limit : total;
}

/** Jobs on this machine (local processes or docker containers), `jobsAtOnce` of them sharing its memory. */
export function machineTarget(jobsAtOnce: number = availableParallelism()): MemoryTarget {
  const memory = machineMemoryBytes();
  const sharing = jobsAtOnce === 1 ? '' : ` shared by ${jobsAtOnce} jobs at once, see --concurrency`;
  return {
    description: `this machine's ${formatBytes(memory)} of memory${sharing}`,
    bytesPerJob: memory / jobsAtOnce,
  };
}

/** AWS Batch jobs of one queue: each gets its job definition's memory. */
export function batchTarget(queue: keyof typeof JOB_RESOURCES): MemoryTarget {
  const bytes = JOB_RESOURCES[queue].memoryMiB * 2 ** 20;
  return { description: `the ${queue} queue's job definition`, bytesPerJob: bytes };
}

/**
 * `--concurrency`: a whole number from 1 to what this machine can start. Every local job and every docker
 * container is a Node process of about JOB_PROCESS_BYTES before it loads any data, so more than memory /
 * JOB_PROCESS_BYTES of them cannot all run (`--concurrency 1e9` used to be accepted and start one process per
 * job at once).
 */
export function concurrency(value: string): number {
  const n = Number(value);
  const most = Math.max(1, Math.floor(machineMemoryBytes() / JOB_PROCESS_BYTES));
  if (!Number.isInteger(n) || n < 1 || n > most) {
    throw new InvalidArgumentError(
      `--concurrency must be a whole number from 1 to ${most}: each job is a process of about ${formatBytes(JOB_PROCESS_BYTES)} before its data, and this machine's ${formatBytes(machineMemoryBytes())} of memory hold at most ${most} (got '${value}')`,
    );
  }
  return n;
}
