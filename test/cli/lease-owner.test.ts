import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { abandonedHere, leaseOwner } from '../../src/cli/lease-owner.js';

const namespace = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1];

const lease = (owner: string) => ({ jobIndex: 0, generation: 1, owner, expiresAt: new Date().toISOString() });

describe('a lease holder known dead', () => {
  it('is a process of this machine that has exited; a live one, another host or a Batch child is not', () => {
    const exited = spawnSync(process.execPath, ['-e', '0']).pid as number;
    expect(abandonedHere(lease(`${hostname()}:${exited}:${namespace}:abc123`))).toBe(true);
    expect(abandonedHere(lease(`${hostname()}:${process.pid}:${namespace}:abc123`))).toBe(false);
    expect(abandonedHere(lease(`some-other-host:${exited}:${namespace}:abc123`))).toBe(false);
    expect(abandonedHere(lease('batch:array-id:3'))).toBe(false);
  });

  it("is never a holder in another pid namespace (a docker runner's container): its pid is not this machine's", () => {
    const exited = spawnSync(process.execPath, ['-e', '0']).pid as number;
    expect(abandonedHere(lease(`${hostname()}:${exited}:1:abc123`))).toBe(false);
  });

  it('names the pid namespace of the process that holds it', () => {
    expect(leaseOwner().split(':').slice(0, 3)).toEqual([hostname(), String(process.pid), namespace]);
  });
});
