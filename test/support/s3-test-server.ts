import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { S3Store, s3ClientConfig } from '../../src/store/s3.js';

/** s3rver's built-in account. */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const REGION = 'us-east-1';

export interface S3TestServer {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** The same data through s3rver as shipped, which overwrites despite If-None-Match: *. */
  rawEndpoint: string;
  /** A bucket that exists. */
  bucket: string;
  /** The environment a child process (the CLI) needs to use this server. */
  env: Record<string, string>;
  /** A client for this server; pass `config` to change it (say, wrong credentials). */
  client(config?: ConstructorParameters<typeof S3Client>[0]): S3Client;
  /** A store on `s3://<bucket>/<prefix>` of this server. */
  store(prefix: string, client?: S3Client): S3Store;
  stop(): Promise<void>;
}

/**
 * Starts s3rver (behind the conditional-put hook of s3-server-process.ts) on 127.0.0.1 and a free port, with
 * one empty bucket and its data in a temporary folder that stop() removes.
 */
export async function startS3TestServer(bucket = 'adgap-test'): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'adgap-s3rver-'));
  const script = fileURLToPath(new URL('./s3-server-process.ts', import.meta.url));
  const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '--import', 'tsx', script, directory, bucket],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  );
  const ports = await readPorts(child);
  const endpoint = `http://127.0.0.1:${ports.port}`;
  const client = (config: ConstructorParameters<typeof S3Client>[0] = {}) =>
    new S3Client({
      ...s3ClientConfig({ s3Endpoint: endpoint }),
      region: REGION,
      credentials: CREDENTIALS,
      ...config,
    });
  return {
    endpoint,
    rawEndpoint: `http://127.0.0.1:${ports.rawPort}`,
    bucket,
    env: {
      ADGAP_S3_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
    },
    client,
    store: (prefix, storeClient = client()) => new S3Store(`s3://${bucket}/${prefix}`, storeClient),
    async stop() {
      // A child a signal killed (Ctrl-C reaches the whole process group) has a signalCode and no exitCode.
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function readPorts(child: ChildProcess): Promise<{ port: number; rawPort: number }> {
  if (!child.stdout) throw new Error('s3rver child has no stdout');
  const lines = createInterface({ input: child.stdout });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`s3rver exited with code ${code} before listening`);
  });
  const first = once(lines, 'line').then(
    ([line]) => JSON.parse(String(line)) as { port: number; rawPort: number },
  );
  return Promise.race([first, exited]);
}
