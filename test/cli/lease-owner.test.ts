import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { abandonedHere } from '../../src/cli/lease-owner.js';

const lease = (owner: string) => ({ jobIndex: 0, generation: 1, owner, expiresAt: new Date().toISOString() });

describe('a lease holder known dead', () => {
  it('is a process of this machine that has exited; a live one, another host or a Batch child is not', () => {
    const exited = spawnSync(process.execPath, ['-e', '0']).pid as number;
    expect(abandonedHere(lease(`${hostname()}:${exited}:abc123`))).toBe(true);
    expect(abandonedHere(lease(`${hostname()}:${process.pid}:abc123`))).toBe(false);
    expect(abandonedHere(lease(`some-other-host:${exited}:abc123`))).toBe(false);
    expect(abandonedHere(lease('batch:array-id:3'))).toBe(false);
  });
});
