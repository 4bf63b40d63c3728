import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { executeSweep } from '../../src/application/execute-sweep.js';
import { readImageSource } from '../../src/sources/image-source.js';
import { ObjectExistsError } from '../../src/store/object-store.js';
import { openStore } from '../../src/store/open-store.js';
import { canonicalS3Uri, parseS3Uri, S3Store, S3StoreError, sameS3Store } from '../../src/store/s3.js';
import { parseSweepFile } from '../../src/sweep/schema.js';
import { type S3TestServer, startS3TestServer } from '../support/s3-test-server.js';
import { describeStoreContract } from './store-contract.js';

let server: S3TestServer;
let count = 0;
beforeAll(async () => {
  server = await startS3TestServer();
});
afterAll(async () => {
  await server?.stop();
});

describeStoreContract('S3Store on s3rver', async () => server.store(`contract-${count++}`));

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('expected the promise to reject');
  return error;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A port on 127.0.0.1 that nothing listens on: bound by us, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('S3Store errors', () => {
  test('a missing bucket is named in the error', async () => {
    const store = new S3Store('s3://no-such-bucket/p', server.client());
    const error = await failureOf(store.get('a/b.json'));
    expect(error).toBeInstanceOf(S3StoreError);
    expect((error as S3StoreError).reason).toBe('missing-bucket');
    expect(error.message).toContain("bucket 'no-such-bucket' does not exist");
  });

  test('an unreachable endpoint is reported as such, after the SDK retries', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const store = new S3Store(`s3://${server.bucket}/p`, server.client({ endpoint }));
    const error = await failureOf(store.list('sweeps/'));
    expect((error as S3StoreError).reason).toBe('unreachable');
    expect(error.message).toContain('cannot reach the S3 endpoint');
    expect(error.message).toContain('ECONNREFUSED');
  });

  test('an unknown access key is reported as access denied, without the secret', async () => {
    const credentials = { accessKeyId: 'NOBODY', secretAccessKey: 'secret-that-must-not-leak' };
    const store = server.store('denied', server.client({ credentials }));
    const error = await failureOf(store.get('a/b.json'));
    expect((error as S3StoreError).reason).toBe('access-denied');
    expect(error.message).toContain("GetObject 'a/b.json'");
    expect(error.message).not.toContain('secret-that-must-not-leak');
  });

  test('a server that overwrites despite If-None-Match is refused for write-once puts', async () => {
    const raw = server.store('raw', server.client({ endpoint: server.rawEndpoint }));
    const error = await failureOf(raw.put('sweeps/s/results/r1.json', 'x', { ifAbsent: true }));
    expect((error as S3StoreError).reason).toBe('write-once-unsupported');
    expect(await raw.head('sweeps/s/results/r1.json')).toBeUndefined();
  });

  test('a sweep on a server that overwrites is refused before any dataset is uploaded', async () => {
    const raw = server.store('raw-sweep', server.client({ endpoint: server.rawEndpoint }));
    const sweep = parseSweepFile({
      name: 'overwrites',
      datasets: [{ group: 'gaussian', sizes: { train: 40, validation: 10, test: 10 } }],
      R: [1],
      seeds: [2],
      learningRates: [0.01],
      modes: ['standard'],
    });
    const never = { name: 'never', runJobs: () => Promise.reject(new Error('must not run')) };
    const quiet = { start: () => undefined, event: () => undefined, notice: () => undefined };
    const error = await failureOf(
      executeSweep({ store: raw, sweep, runner: never, progress: quiet, readImageSource }),
    );
    expect((error as S3StoreError).reason).toBe('write-once-unsupported');
    expect((await raw.list('datasets/')).objects).toEqual([]);
    expect((await raw.list('sweeps/')).objects).toEqual([]);
  });
});

describe('S3Store', () => {
  test('a body over 8 MiB goes up as a multipart upload, reads back intact and is write-once', async () => {
    const client = server.client();
    const commands: string[] = [];
    client.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    const store = server.store('multipart', client);
    const bytes = Uint8Array.from({ length: 17 * 1024 * 1024 }, (_, i) => (i * 31) % 251);
    await store.put('datasets/big/train.bin', bytes, { ifAbsent: true });
    expect(commands).toContain('CreateMultipartUploadCommand');
    expect(commands.filter((c) => c === 'UploadPartCommand')).toHaveLength(3);
    // Compared by hash: a deep equality over 17 million elements exhausts the heap.
    expect(sha256(await store.get('datasets/big/train.bin'))).toBe(sha256(bytes));
    await expect(store.put('datasets/big/train.bin', bytes, { ifAbsent: true })).rejects.toThrow(
      ObjectExistsError,
    );
  });

  test('openStore opens s3:// URIs on the endpoint in ADGAP_S3_ENDPOINT', async () => {
    for (const [name, value] of Object.entries(server.env)) vi.stubEnv(name, value);
    try {
      const store = openStore(`s3://${server.bucket}/opened/`);
      expect(store.uri).toBe(`s3://${server.bucket}/opened`);
      await store.put('a/b.json', 'via env');
      expect(new TextDecoder().decode(await server.store('opened').get('a/b.json'))).toBe('via env');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  test.each(['s3://', 's3://Upper-Case/p', 's3://ab/p', 's3://bucket/../escape', 's3://bucket/a//b'])(
    '%s is refused as a store URI',
    (uri) => {
      expect(() => parseS3Uri(uri)).toThrow(/^store: /);
    },
  );

  test('a bucket without a prefix uses the whole bucket', () => {
    expect(parseS3Uri('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' });
    expect(parseS3Uri('s3://my-bucket/a/b/')).toEqual({ bucket: 'my-bucket', prefix: 'a/b/' });
  });

  test('a store URI has one canonical form, with or without a trailing slash', () => {
    expect(canonicalS3Uri('s3://my-bucket/')).toBe('s3://my-bucket');
    expect(canonicalS3Uri('s3://my-bucket')).toBe('s3://my-bucket');
    expect(canonicalS3Uri('s3://my-bucket/a/b/')).toBe('s3://my-bucket/a/b');
    expect(new S3Store('s3://my-bucket/', server.client()).uri).toBe('s3://my-bucket');
  });

  test('two store URIs are the same store when bucket and prefix are, however they are spelt', () => {
    expect(sameS3Store('s3://my-bucket/', 's3://my-bucket')).toBe(true);
    expect(sameS3Store('s3://my-bucket/a/', 's3://my-bucket/a')).toBe(true);
    expect(sameS3Store('s3://my-bucket/a', 's3://my-bucket')).toBe(false);
    expect(sameS3Store('s3://my-bucket', 's3://my-bucket2')).toBe(false);
  });
});
