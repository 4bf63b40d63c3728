/**
 * A Lambda function behind a function URL, on 127.0.0.1: imports the bundled code asset's handler (the file and
 * export named by the template's `Handler`) in this process, whose environment is the function's, and turns
 * each HTTP request into a payload format 2.0 event and the handler's answer back into the HTTP response, as
 * the function URL service does. Signatures are not checked (IAM is not emulated).
 *
 * Usage: node function-url-process.ts <code directory> <handler, e.g. index.handler>
 * Prints one JSON line {"port": N} once it listens; stops on SIGTERM or when its parent goes.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [directory, handlerName] = process.argv.slice(2);
if (directory === undefined || handlerName === undefined) {
  throw new Error('usage: function-url-process.ts <code directory> <handler>');
}
const dot = handlerName.lastIndexOf('.');
const [file, exportName] = [handlerName.slice(0, dot), handlerName.slice(dot + 1)];
// The Node.js runtimes look for <file>.js, .mjs or .cjs.
const path = ['.js', '.mjs', '.cjs'].map((ext) => join(directory, file + ext)).find((p) => existsSync(p));
if (path === undefined) throw new Error(`no ${file}.js, .mjs or .cjs in ${directory}`);
const module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
const handler = module[exportName] as (event: unknown, context: unknown) => Promise<Record<string, unknown>>;
if (typeof handler !== 'function') throw new Error(`${path} exports no function ${exportName}`);

interface Result {
  statusCode?: number;
  headers?: Record<string, string>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name !== 'cookie' && value !== undefined)
      headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const now = new Date();
  const event = {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(req.headers.cookie ? { cookies: req.headers.cookie.split('; ') } : {}),
    headers,
    ...(url.search === '' ? {} : { queryStringParameters: Object.fromEntries(url.searchParams) }),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0
      ? { body: body.toString('base64'), isBase64Encoded: true }
      : { isBase64Encoded: false }),
  };
  try {
    const result = (await handler(event, { awsRequestId: event.requestContext.requestId })) as Result;
    res.writeHead(result.statusCode ?? 200, {
      ...result.headers,
      ...(result.cookies ? { 'set-cookie': result.cookies } : {}),
    });
    res.end(
      result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
    );
  } catch (error) {
    // What the function URL answers when the function throws.
    console.error(error);
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ Message: 'Internal Server Error' }));
  }
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
