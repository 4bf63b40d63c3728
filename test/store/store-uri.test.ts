import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { makeFolders } from '../../src/store/make-folders.js';
import { parseStoreAddress, STORE_FORMS } from '../../src/store/store-uri.js';

function refusal(uri: string): string {
  try {
    parseStoreAddress(uri);
  } catch (error) {
    if (error instanceof ValidationError) return error.message;
    throw error;
  }
  throw new Error(`'${uri}' was accepted`);
}

describe('store addresses', () => {
  it.each([
    ['a relative folder', 'runs/store', { kind: 'folder', path: resolve('runs/store') }],
    ['an absolute folder', '/srv/adgap', { kind: 'folder', path: '/srv/adgap' }],
    ['a file URI', 'file:///srv/adgap', { kind: 'folder', path: '/srv/adgap' }],
    ['a file URI naming this machine', 'file://localhost/srv/adgap', { kind: 'folder', path: '/srv/adgap' }],
    ['an escaped file URI', 'file:///srv/my%20store', { kind: 'folder', path: '/srv/my store' }],
    ['a folder whose name has a colon, written as ./', './a:b', { kind: 'folder', path: resolve('a:b') }],
    ['an S3 prefix', 's3://bucket/runs', { kind: 's3', uri: 's3://bucket/runs' }],
  ])('opens %s', (_, uri, address) => {
    expect(parseStoreAddress(uri)).toEqual(address);
  });

  it.each([
    ['', "'' names no store"],
    ['   ', "'   ' names no store"],
    ['file://', "'file://' is the file system root /, not a store folder"],
    ['file:///', "'file:///' is the file system root /, not a store folder"],
    ['/', "'/' is the file system root /, not a store folder"],
    ['//', "'//' is the file system root /, not a store folder"],
    ['/tmp/..', "'/tmp/..' is the file system root /, not a store folder"],
    ['file:///tmp/..', "'file:///tmp/..' is the file system root /, not a store folder"],
    ['s3:/x', "'s3:/x' is not an S3 address"],
    ['s3:x', "'s3:x' is not an S3 address"],
    ['S3://bucket', "'S3://bucket' is not an S3 address"],
    ['file:/x', "'file:/x' is not a file URI"],
    [
      'file://otherhost/x',
      "'file://otherhost/x' names the host 'otherhost'; a folder store is on this machine",
    ],
    ['file:///x?y', "'file:///x?y' has a '?' or '#' part, which no folder has"],
    ['file:///a%2Fb', "'file:///a%2Fb' is not a valid file URI"],
    ['ftp://host/x', "'ftp://host/x' has an unsupported scheme"],
    ['c:store', "'c:store' reads as a URI scheme; a folder whose name has a ':' can be given as ./c:store"],
    ['~/store', "'~/store' starts with '~', which only a shell expands; give the full path"],
    ['a\nb', "'a\nb' contains a control character"],
    ['file:///tmp/a%0Ab', "'file:///tmp/a%0Ab' contains a control character"],
    ['file:///tmp/a%00b', "'file:///tmp/a%00b' contains a control character"],
  ])('refuses %j with the allowed forms', (uri, why) => {
    expect(refusal(uri)).toBe(`store: ${why} (${STORE_FORMS})`);
  });
});

describe('makeFolders', () => {
  it('makes every missing folder of a path, and accepts one that exists', async () => {
    const root = await mkdtemp(join(tmpdir(), 'adgap-folders-'));
    await makeFolders(join(root, 'a', 'b', 'c'));
    await makeFolders(join(root, 'a', 'b', 'c'));
    expect(await readdir(join(root, 'a', 'b'))).toEqual(['c']);
  });

  it('names the folder /proc refuses to create at once, where mkdir -p of Node retries forever', async () => {
    await expect(makeFolders('/proc/adgap-store/datasets')).rejects.toThrow(
      "cannot create the folder '/proc/adgap-store': its file system creates no folders (mkdir answers ENOENT although '/proc' exists, as in /proc and /sys); use a folder on an ordinary file system",
    );
  });
});
