import { once } from 'node:events';
import { Command, InvalidArgumentError } from 'commander';
import { AdgapError } from '../errors.js';
import { openStore } from '../store/open-store.js';
import { systemCause } from '../system-error.js';
import { STORE_OPTION } from './options.js';

const DEFAULT_PORT = 8787;

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(
      `--port must be a whole number from 0 (any free port) to 65535 (got '${value}')`,
    );
  return n;
}

/**
 * An address to bind. Node binds every address of the machine for an empty host, which would expose the store
 * to the network where the user meant to give none; binding everything must be asked for (0.0.0.0 or ::).
 */
function host(value: string): string {
  if (value.trim() === '')
    throw new InvalidArgumentError(
      "--host must name an address to bind, e.g. 127.0.0.1 (an empty one would bind every address; say 0.0.0.0 or '::' for that)",
    );
  return value;
}

/** `host:port` as a URL writes it (an IPv6 address in brackets). */
const hostPort = (address: string, port: number) =>
  `${address.includes(':') ? `[${address}]` : address}:${port}`;

/**
 * A failed listen, named with the address and port asked for: Node's error names no port for some causes
 * (`cannot listen on 8.8.8.8:undefined`) and calls an unknown host one it "cannot reach".
 */
function listenError(error: unknown, address: string, port: number): unknown {
  const cause = systemCause(error);
  return cause === undefined
    ? error
    : new AdgapError(`cannot listen on ${hostPort(address, port)}: ${cause}`);
}

/** The results API of the cloud deployment, on this machine: the same Hono app on @hono/node-server. */
export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the results API and HTML reports over HTTP (see docs/api.md)')
    .option(...STORE_OPTION)
    .option('--port <n>', 'port to listen on; 0 picks a free one', port, DEFAULT_PORT)
    .option(
      '--host <address>',
      'address to bind (anything but loopback exposes the store)',
      host,
      '127.0.0.1',
    )
    .action(async (options: { store: string; port: number; host: string }) => {
      // Loaded here, not at the top: the trainer image ships src/ without functions/, and every command of
      // the CLI (its `job run` above all) must load without the API's files.
      const [{ serve }, { createApp }] = await Promise.all([
        import('@hono/node-server'),
        import('../api/app.js'),
      ]);
      const store = openStore(options.store);
      const server = serve({ fetch: createApp(store).fetch, port: options.port, hostname: options.host });
      // once() rejects with the server's 'error' event (a port in use, an address not of this machine).
      await once(server, 'listening').catch((error: unknown) => {
        throw listenError(error, options.host, options.port);
      });
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : options.port;
      // Tests and scripts read this line to find the port when --port 0 picked one.
      process.stdout.write(`adgap API on http://${hostPort(options.host, bound)} (store ${store.uri})\n`);
      const stop = () => server.close();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      // Started through npx (or any wrapper) that is then killed, this process is re-parented and would go
      // on serving unseen: a changed parent is a stop signal too.
      const parent = process.ppid;
      const orphaned = setInterval(() => {
        if (process.ppid !== parent) stop();
      }, 1000);
      server.once('close', () => clearInterval(orphaned));
      await once(server, 'close');
    });
}
