import { parentPort } from 'node:worker_threads';

/** What the pool sends a worker: a unit to handle, or that the pool was aborted. */
export type PoolMessage<Unit> = { kind: 'unit'; unit: Unit } | { kind: 'abort' };

/** What a pool worker sends: a message about its current unit, or that the unit is done. */
export type WorkerReply<Message> = { kind: 'message'; body: Message } | { kind: 'done' };

/**
 * The worker side of worker-pool.ts: handles one unit per message from the pool; `signal` is aborted when the
 * pool is. An error is not caught here: it ends the worker, and the pool fails the unit's unfinished work and
 * carries on with a fresh worker.
 */
export function serveUnits<Unit, Message>(
  handle: (unit: Unit, post: (message: Message) => void, signal: AbortSignal) => void | Promise<void>,
): void {
  const port = parentPort;
  if (!port) throw new Error('serveUnits must run in a worker thread');
  const abort = new AbortController();
  port.on('message', async (message: PoolMessage<Unit>) => {
    if (message.kind === 'abort') {
      abort.abort();
      return;
    }
    await handle(
      message.unit,
      (body) => port.postMessage({ kind: 'message', body } satisfies WorkerReply<Message>),
      abort.signal,
    );
    port.postMessage({ kind: 'done' } satisfies WorkerReply<Message>);
  });
}
