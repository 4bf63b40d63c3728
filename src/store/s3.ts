import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { DeploymentEnv } from '../env.js';
import { AdgapError, ValidationError } from '../errors.js';
import {
  assertKey,
  type ListPage,
  ObjectExistsError,
  type ObjectInfo,
  ObjectNotFoundError,
  type ObjectStore,
} from './object-store.js';

/**
 * Bodies up to this size go up in one PutObject; larger ones (datasets) as a multipart upload in parts of this
 * size. 8 MiB is the AWS CLI's default threshold and part size.
 */
const PART_SIZE_BYTES = 8 * 1024 * 1024;

/** Written by the write-once check (see probeWriteOnce); never read. */
const WRITE_ONCE_PROBE_KEY = 'adgap-write-once-probe';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export type S3StoreFailure =
  | 'missing-bucket'
  | 'access-denied'
  | 'unreachable'
  | 'no-credentials'
  | 'no-region'
  | 'write-once-unsupported'
  | 'request-failed';

/** An S3 request that failed for a reason other than a missing object or an existing write-once object. */
export class S3StoreError extends AdgapError {
  override readonly name = 'S3StoreError';
  constructor(
    readonly reason: S3StoreFailure,
    message: string,
  ) {
    super(message);
  }
}

/** `s3://bucket/prefix` -> the bucket and the key prefix ('' or ending in '/'). */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  const bucket = match?.[1] ?? '';
  const path = (match?.[2] ?? '').replace(/\/+$/, '');
  if (!BUCKET_NAME.test(bucket)) {
    throw new ValidationError('store', `'${uri}' does not name an S3 bucket (expected s3://bucket/prefix)`);
  }
  if (path !== '') {
    try {
      assertKey(path);
    } catch {
      throw new ValidationError('store', `'${uri}' has an invalid prefix (segments of [A-Za-z0-9._=-])`);
    }
  }
  return { bucket, prefix: path === '' ? '' : `${path}/` };
}

/**
 * The one spelling of an S3 store: `s3://bucket` or `s3://bucket/prefix`, without a trailing slash, so that
 * `s3://bucket/` and `s3://bucket` name the same store everywhere a URI is printed, recorded or compared.
 */
export function canonicalS3Uri(uri: string): string {
  const { bucket, prefix } = parseS3Uri(uri);
  return prefix === '' ? `s3://${bucket}` : `s3://${bucket}/${prefix.slice(0, -1)}`;
}

/** Whether two S3 URIs name the same bucket and prefix (compared parsed, never as strings). */
export function sameS3Store(a: string, b: string): boolean {
  const [x, y] = [parseS3Uri(a), parseS3Uri(b)];
  return x.bucket === y.bucket && x.prefix === y.prefix;
}

/**
 * Client settings for an S3-compatible server at `s3Endpoint`; AWS S3 itself needs none beyond the standard
 * AWS chain. Retries are the SDK's standard strategy (3 attempts, AWS_MAX_ATTEMPTS and AWS_RETRY_MODE apply).
 */
export function s3ClientConfig(env: Pick<DeploymentEnv, 's3Endpoint'>): S3ClientConfig {
  if (env.s3Endpoint === undefined) return {};
  return {
    endpoint: env.s3Endpoint,
    // Local servers have no per-bucket DNS names.
    forcePathStyle: true,
    // The SDK's default CRC32 trailing checksums use aws-chunked bodies, which s3rver stores verbatim,
    // framing included: the object is silently corrupted. Checksums only where an operation requires one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

export function openS3Store(uri: string, env: Pick<DeploymentEnv, 's3Endpoint'>): S3Store {
  return new S3Store(uri, new S3Client(s3ClientConfig(env)));
}

/**
 * An S3 bucket (or a prefix in one) as an object store. PutObject and CompleteMultipartUpload are atomic on S3,
 * so readers never see part of an object. Write-once puts are conditional (`If-None-Match: *`); before the
 * first one, the store checks that the server honours the condition (see docs/store.md).
 */
export class S3Store implements ObjectStore {
  readonly uri: string;
  private readonly bucket: string;
  private readonly prefix: string;
  private writeOnceCheck: Promise<void> | undefined;

  constructor(
    uri: string,
    private readonly client: S3Client,
  ) {
    ({ bucket: this.bucket, prefix: this.prefix } = parseS3Uri(uri));
    this.uri = canonicalS3Uri(uri);
  }

  async get(key: string): Promise<Uint8Array> {
    assertKey(key);
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
      );
      return (await out.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (error) {
      throw this.failure(error, 'GetObject', key);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    assertKey(key);
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
      );
      return { key, size: out.ContentLength ?? 0 };
    } catch (error) {
      // HEAD responses have no body, so a missing object and a missing bucket both arrive as a bare 404.
      if (statusOf(error) === 404) return undefined;
      throw this.failure(error, 'HeadObject', key);
    }
  }

  async put(key: string, body: Uint8Array | string, options?: { ifAbsent?: boolean }): Promise<void> {
    assertKey(key);
    if (options?.ifAbsent) await this.verifyWriteOnce();
    await this.write(key, body, options?.ifAbsent ?? false);
  }

  async list(prefix: string, options?: { cursor?: string; limit?: number }): Promise<ListPage> {
    try {
      const out = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.prefix + prefix,
          // The cursor is the last key of the previous page, as in the local folder store.
          ...(options?.cursor === undefined ? {} : { StartAfter: this.prefix + options.cursor }),
          MaxKeys: options?.limit ?? 1000,
        }),
      );
      const objects = (out.Contents ?? []).map((o) => ({
        key: (o.Key ?? '').slice(this.prefix.length),
        size: o.Size ?? 0,
      }));
      const last = objects.at(-1);
      return out.IsTruncated && last ? { objects, cursor: last.key } : { objects };
    } catch (error) {
      throw this.failure(error, 'ListObjectsV2', prefix);
    }
  }

  async delete(key: string): Promise<void> {
    assertKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
    } catch (error) {
      throw this.failure(error, 'DeleteObject', key);
    }
  }

  private async write(key: string, body: Uint8Array | string, ifAbsent: boolean): Promise<void> {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const params: PutObjectCommandInput = {
      Bucket: this.bucket,
      Key: this.prefix + key,
      Body: bytes,
      ...(ifAbsent ? { IfNoneMatch: '*' } : {}),
    };
    try {
      if (bytes.byteLength <= PART_SIZE_BYTES) {
        await this.client.send(new PutObjectCommand(params));
      } else {
        // Upload passes IfNoneMatch on to CompleteMultipartUpload, and aborts the upload when a part fails.
        await new Upload({ client: this.client, params, partSize: PART_SIZE_BYTES }).done();
      }
    } catch (error) {
      if (ifAbsent && statusOf(error) === 412) throw new ObjectExistsError(this.uri, key);
      throw this.failure(error, 'PutObject', key);
    }
  }

  /**
   * Some S3-compatible servers (s3rver among them) ignore `If-None-Match: *` and overwrite silently, so a
   * duplicated job could replace a result. Before its first write-once put, the store makes two conditional
   * puts of one probe key: a server that honours the condition refuses at least the second.
   */
  private verifyWriteOnce(): Promise<void> {
    this.writeOnceCheck ??= this.probeWriteOnce().catch((error: unknown) => {
      this.writeOnceCheck = undefined;
      throw error;
    });
    return this.writeOnceCheck;
  }

  private async probeWriteOnce(): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.write(
          WRITE_ONCE_PROBE_KEY,
          'adgap checks that this store honours If-None-Match: *\n',
          true,
        );
      } catch (error) {
        if (error instanceof ObjectExistsError) return;
        throw error;
      }
    }
    throw new S3StoreError(
      'write-once-unsupported',
      `store ${this.uri} overwrites objects despite If-None-Match: * and cannot keep results write-once; ` +
        'use AWS S3 or a server that answers 412 to conditional puts (see docs/store.md)',
    );
  }

  /** The error to throw for a failed request: what failed and what to check, never a credential. */
  private failure(error: unknown, operation: string, key: string): Error {
    const code = codeOf(error);
    const status = statusOf(error);
    const what = `${operation} '${key}' in ${this.uri}`;
    if (code === 'NoSuchKey') return new ObjectNotFoundError(this.uri, key);
    if (code === 'NoSuchBucket') {
      return new S3StoreError('missing-bucket', `bucket '${this.bucket}' does not exist (${what})`);
    }
    if (status === 403) {
      return new S3StoreError(
        'access-denied',
        `access denied: ${what} (${code}); check the AWS credentials and the bucket policy`,
      );
    }
    if (code === 'CredentialsProviderError') {
      return new S3StoreError(
        'no-credentials',
        `no AWS credentials for ${this.uri}: configure the standard AWS chain (environment, ~/.aws, role)`,
      );
    }
    // The SDK's region resolver throws a plain Error with only this message.
    if (messageOf(error) === 'Region is missing') {
      return new S3StoreError(
        'no-region',
        `no AWS region for ${this.uri}: set AWS_REGION or a region in ~/.aws/config`,
      );
    }
    if (NETWORK_CODES.has(code) || code === 'TimeoutError') {
      return new S3StoreError(
        'unreachable',
        `cannot reach the S3 endpoint for ${this.uri} (${messageOf(error)}); check ADGAP_S3_ENDPOINT and the network`,
      );
    }
    return new S3StoreError('request-failed', `${what} failed: ${code}: ${messageOf(error)}`);
  }
}

/** Socket-level failures the SDK retries and then gives up on: the endpoint cannot be reached. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** The S3 error code (as `name`) or the socket error code. */
function codeOf(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown } | undefined;
  return String(typeof e?.code === 'string' ? e.code : (e?.name ?? 'Error'));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
