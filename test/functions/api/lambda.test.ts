import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reportFromStore } from '../../../src/application/report.js';
import { LocalFolderStore } from '../../../src/store/local-folder.js';
import { writeSyntheticSweep } from '../../helpers/synthetic-sweep.js';

const FIXTURE = {
  name: 'lambda',
  datasets: ['gaussian'],
  R: [1, 5],
  seeds: [2, 22],
  learningRates: [0.01],
  modes: ['standard', { norm: 'l2', eps: [2.5] }],
};

let folder: string;
let sweepId: string;
let handler: (event: unknown) => Promise<{
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}>;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'adgap-lambda-'));
  ({ sweepId } = await writeSyntheticSweep(new LocalFolderStore(folder), FIXTURE));
  // The handler reads its store from the deployment environment when it is loaded, as on a cold start.
  process.env.ADGAP_STORE = folder;
  ({ handler } = (await import('../../../functions/api/lambda.js')) as unknown as {
    handler: typeof handler;
  });
});

afterAll(async () => {
  delete process.env.ADGAP_STORE;
  await rm(folder, { recursive: true, force: true });
});

/** A Lambda Function URL request (payload format 2.0), as AWS sends it. */
function functionUrlEvent(path: string, query: string, headers: Record<string, string> = {}) {
  const domainName = 'abcdefghijklmnop.lambda-url.eu-west-1.on.aws';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: query,
    headers: { host: domainName, 'x-forwarded-proto': 'https', 'user-agent': 'curl/8.0', ...headers },
    ...(query === '' ? {} : { queryStringParameters: Object.fromEntries(new URLSearchParams(query)) }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdefghijklmnop',
      authorizer: {
        iam: {
          accessKey: 'AKIA',
          accountId: '123456789012',
          callerId: 'AIDA',
          userArn: 'arn:aws:iam::123456789012:user/u',
          userId: 'AIDA',
        },
      },
      domainName,
      domainPrefix: 'abcdefghijklmnop',
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'curl/8.0' },
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      routeKey: '$default',
      stage: '$default',
      time: '01/Jan/2025:00:00:00 +0000',
      timeEpoch: 1735689600000,
    },
    isBase64Encoded: false,
  };
}

it('answers a Function URL event with the report the CLI aggregation computes', async () => {
  const response = await handler(functionUrlEvent(`/sweeps/${sweepId}/report`, ''));
  expect(response.statusCode).toBe(200);
  expect(response.isBase64Encoded).toBe(false);
  expect(JSON.parse(response.body)).toEqual(
    JSON.parse(JSON.stringify(await reportFromStore(new LocalFolderStore(folder), sweepId))),
  );
});

it('passes the query string and headers through to the routes', async () => {
  const csv = await handler(functionUrlEvent(`/sweeps/${sweepId}/report`, 'format=csv'));
  expect(csv.statusCode).toBe(200);
  expect(csv.headers?.['content-type']).toMatch(/^text\/csv/);
  expect(csv.body.split('\n')[0]).toMatch(/^dataset,group,selection,R,objective,fidelity,mode,/);
  const html = await handler(functionUrlEvent(`/sweeps/${sweepId}/report`, '', { accept: 'text/html' }));
  expect(html.headers?.['content-type']).toMatch(/^text\/html/);
});

it('answers an unknown sweep with a 404 JSON error', async () => {
  const response = await handler(functionUrlEvent('/sweeps/nosuch-0123abcd/report', ''));
  expect(response.statusCode).toBe(404);
  expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'not_found' } });
});
