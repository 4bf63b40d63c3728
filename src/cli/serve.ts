import { once } from 'node:events';
import { Command, InvalidArgumentError } from 'commander';
import { openStore } from '../store/open-store.js';
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

/** The results API of the cloud deployment, on this machine: the same Hono app on @hono/node-server. */
export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the results API and HTML reports over HTTP (see docs/api.md)')
    .option(...STORE_OPTION)
    .option('--port <n>', 'port to listen on; 0 picks a free one', port, DEFAULT_PORT)
    .option('--host <address>', 'address to bind (anything but loopback exposes the store)', '127.0.0.1')
    .action(async (options: { store: string; port: number; host: string }) => {
      // Loaded here, not at the top: the trainer image ships src/ without functions/, and every command of
      // the CLI (its `job run` above all) must load without the API's files.
      const [{ serve }, { createApp }] = await Promise.all([
        import('@hono/node-server'),
        import('../api/app.js'),
      ]);
      const store = openStore(options.store);
      const server = serve({ fetch: createApp(store).fetch, port: options.port, hostname: options.host });
      await Promise.race([
        once(server, 'listening'),
        once(server, 'error').then(([error]) => {
          throw error;
        }),
      ]);
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : options.port;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      // Tests and scripts read this line to find the port when --port 0 picked one.
      process.stdout.write(`adgap API on http://${host}:${bound} (store ${store.uri})\n`);
      const stop = () => server.close();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      await once(server, 'close');
    });
}
