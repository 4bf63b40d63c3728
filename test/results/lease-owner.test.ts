import { describe, expect, it } from 'vitest';
import {
  formatLeaseOwner,
  type LeaseOwner,
  parseLeaseOwner,
  takesOver,
} from '../../src/results/lease-owner.js';

describe('a lease owner', () => {
  it.each<[string, LeaseOwner]>([
    ['batch:array-id:3#2:a1b2c3', { kind: 'batch', jobId: 'array-id:3', attempt: 2, tag: 'a1b2c3' }],
    [
      'docker:ABCD:EFGH/adgap-demo-0123abcd-job3-a1b2c3',
      { kind: 'container', daemon: 'ABCD:EFGH', container: 'adgap-demo-0123abcd-job3-a1b2c3' },
    ],
    [
      'host-1:4242:4026531836:abc123',
      { kind: 'process', host: 'host-1', pid: 4242, pidNamespace: '4026531836', tag: 'abc123' },
    ],
    [
      'host-1:4242:-:abc123',
      { kind: 'process', host: 'host-1', pid: 4242, pidNamespace: '-', tag: 'abc123' },
    ],
    ['job-0a1b2c3d', { kind: 'other', name: 'job-0a1b2c3d' }],
    ['other-host:1:abcdef', { kind: 'other', name: 'other-host:1:abcdef' }],
  ])('%s reads as its kind and writes back as it was stored', (text, owner) => {
    expect(parseLeaseOwner(text)).toEqual(owner);
    expect(formatLeaseOwner(owner)).toBe(text);
  });

  it.each([
    ['batch:job:1#2:aa', 'batch:job:1#1:bb', true],
    ['batch:job:1#10:aa', 'batch:job:1#9:bb', true],
    ['batch:job:1#1:aa', 'batch:job:1#1:bb', false],
    ['batch:job:1#1:aa', 'batch:job:1#2:bb', false],
    ['batch:job:12#2:aa', 'batch:job:1#1:bb', false],
    ['host:12:34:aa', 'host:12:34:aa', true],
    ['host:12:34:aa', 'host:12:35:aa', false],
    ['me', 'me', true],
    ['me', 'them', false],
  ])('%s takes over from %s: %s', (owner, holder, expected) => {
    expect(takesOver(parseLeaseOwner(owner), parseLeaseOwner(holder))).toBe(expected);
  });
});
