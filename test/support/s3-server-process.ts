/**
 * The local S3-compatible server for tests and benchmarks: s3rver behind a hook that answers conditional puts
 * the way AWS S3 does. Run by s3-test-server.ts in a child process started with --openssl-legacy-provider
 * (s3rver encrypts continuation tokens with DES, which OpenSSL 3 only has in its legacy provider; without it
 * paginated listing answers 500).
 *
 * Usage: node --openssl-legacy-provider --import tsx s3-server-process.ts <data folder> <bucket>
 * Prints one JSON line {"port": N, "rawPort": M} once it listens on 127.0.0.1; stops on SIGTERM. `rawPort` serves
 * the same data through s3rver as shipped, which overwrites despite If-None-Match (for the write-once check).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
if (directory === undefined || bucket === undefined) {
  throw new Error('usage: s3-server-process.ts <data folder> <bucket>');
}

const s3rver = new S3rver({ directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
await s3rver.configureBuckets();
const handle = s3rver.callback();

// Conditional puts to one key are serialised so that "check, then write" cannot interleave: of two
// concurrent `If-None-Match: *` puts, exactly one succeeds, as on S3.
const pending = new Map<string, Promise<void>>();

const server = createServer((req, res) => {
  const target = conditionalPutTarget(req);
  if (target === undefined) {
    handle(req, res);
    return;
  }
  const id = `${target.bucket}/${target.key}`;
  const previous = pending.get(id) ?? Promise.resolve();
  const done = previous.then(() => putIfAbsent(target, req, res));
  pending.set(id, done);
  void done.finally(() => {
    if (pending.get(id) === done) pending.delete(id);
  });
});

/**
 * PutObject and CompleteMultipartUpload with `If-None-Match: *`. s3rver ignores the header and overwrites;
 * S3 answers 412 PreconditionFailed when the key exists.
 */
function conditionalPutTarget(req: IncomingMessage): { bucket: string; key: string } | undefined {
  if (req.headers['if-none-match'] !== '*' || (req.method !== 'PUT' && req.method !== 'POST'))
    return undefined;
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method === 'POST' && !url.searchParams.has('uploadId')) return undefined;
  const [, bucketName, ...keyParts] = url.pathname.split('/');
  if (bucketName === undefined || keyParts.length === 0) return undefined;
  return { bucket: decodeURIComponent(bucketName), key: decodeURIComponent(keyParts.join('/')) };
}

async function putIfAbsent(
  target: { bucket: string; key: string },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const finished = new Promise<void>((resolve) => res.on('close', resolve));
  // When the check itself fails (say, a missing bucket), s3rver handles the request and answers the error.
  if (await s3rver.store.existsObject(target.bucket, target.key).catch(() => false)) {
    req.resume();
    res.writeHead(412, {
      'content-type': 'application/xml',
      'x-amz-request-id': randomBytes(8).toString('hex'),
    });
    res.end(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code>' +
        '<Message>At least one of the pre-conditions you specified did not hold</Message>' +
        '<Condition>If-None-Match</Condition></Error>',
    );
  } else {
    handle(req, res);
  }
  await finished;
}

const rawServer = createServer(handle);

function listen(s: Server): Promise<number> {
  return new Promise((resolve) => {
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
      resolve(address.port);
    });
  });
}

const ports = { port: await listen(server), rawPort: await listen(rawServer) };
process.stdout.write(`${JSON.stringify(ports)}\n`);

process.on('SIGTERM', () => process.exit(0));
// The IPC channel closes when the test process dies without stopping the server: do not outlive it.
process.on('disconnect', () => process.exit(0));
