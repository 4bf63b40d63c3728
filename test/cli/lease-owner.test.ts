import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { abandonedHere, isProcessAlive, leaseOwner } from '../../src/cli/lease-owner.js';
import { formatLeaseOwner, parseLeaseOwner } from '../../src/results/lease-owner.js';

const namespace = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1];

describe('a lease holder known dead', () => {
  it('is a process of this machine that has exited; a live one, another host or a Batch child is not', () => {
    const exited = spawnSync(process.execPath, ['-e', '0']).pid as number;
    expect(abandonedHere(parseLeaseOwner(`${hostname()}:${exited}:${namespace}:abc123`))).toBe(true);
    expect(abandonedHere(parseLeaseOwner(`${hostname()}:${process.pid}:${namespace}:abc123`))).toBe(false);
    expect(abandonedHere(parseLeaseOwner(`some-other-host:${exited}:${namespace}:abc123`))).toBe(false);
    expect(abandonedHere(parseLeaseOwner('batch:array-id:3#1:abc123'))).toBe(false);
  });

  it("is never a holder in another pid namespace (a docker runner's container): its pid is not this machine's", () => {
    const exited = spawnSync(process.execPath, ['-e', '0']).pid as number;
    expect(abandonedHere(parseLeaseOwner(`${hostname()}:${exited}:1:abc123`))).toBe(false);
  });

  it('is, for an AWS Batch child, its job id, its attempt and a tag that tells two copies of one attempt apart', () => {
    vi.stubEnv('AWS_BATCH_JOB_ID', 'array-id:3');
    vi.stubEnv('AWS_BATCH_JOB_ATTEMPT', '2');
    try {
      const owner = leaseOwner();
      expect(formatLeaseOwner(owner)).toMatch(/^batch:array-id:3#2:[0-9a-f]{6}$/);
      expect(formatLeaseOwner(leaseOwner())).not.toBe(formatLeaseOwner(owner));
      expect(abandonedHere(owner)).toBe(false);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('names the pid namespace of the process that holds it', () => {
    expect(formatLeaseOwner(leaseOwner()).split(':').slice(0, 3)).toEqual([
      hostname(),
      String(process.pid),
      namespace,
    ]);
  });

  it("is the runner's name for the job where the runner gives one (the docker runner: its container)", () => {
    vi.stubEnv('ADGAP_LEASE_OWNER', 'docker:ABCD:EFGH/adgap-demo-0123abcd-job3-a1b2c3');
    try {
      expect(formatLeaseOwner(leaseOwner())).toBe('docker:ABCD:EFGH/adgap-demo-0123abcd-job3-a1b2c3');
      // Another machine's pid check never claims it.
      expect(abandonedHere(leaseOwner())).toBe(false);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('counts a zombie as gone: a killed job waits for PID 1 to reap it, and signal 0 still reaches it', async () => {
    // The forked child exits at once and its parent never waits for it: a zombie while the parent sleeps.
    const forkAndSleep =
      'import os, sys, time\npid = os.fork()\nif pid == 0: os._exit(0)\nprint(pid, flush=True)\ntime.sleep(5)';
    const parent = spawn('python3', ['-c', forkAndSleep], { stdio: ['ignore', 'pipe', 'ignore'] });
    const [firstLine] = (await once(parent.stdout.setEncoding('utf8'), 'data')) as [string];
    const zombie = Number(firstLine.split('\n')[0]);
    try {
      // The child exits at once, but on a loaded machine not within any fixed delay.
      const deadline = Date.now() + 4000;
      while (isProcessAlive(zombie) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(isProcessAlive(zombie)).toBe(false);
      expect(() => process.kill(zombie, 0)).not.toThrow();
      expect(isProcessAlive(parent.pid as number)).toBe(true);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
