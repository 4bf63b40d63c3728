import { parentPort } from 'node:worker_threads';

/** What a pool worker sends: a message about its current unit, or that the unit is done. */
export type WorkerReply<Message> = { kind: 'message'; body: Message } | { kind: 'done' };

/**
 * The worker side of worker-pool.ts: handles one unit per message from the pool. An error is not caught here:
 * it ends the worker, and the pool fails the unit's unfinished work and carries on with a fresh worker.
 */
export function serveUnits<Unit, Message>(
  handle: (unit: Unit, post: (message: Message) => void) => void,
): void {
  const port = parentPort;
  if (!port) throw new Error('serveUnits must run in a worker thread');
  port.on('message', (unit: Unit) => {
    handle(unit, (body) => port.postMessage({ kind: 'message', body } satisfies WorkerReply<Message>));
    port.postMessage({ kind: 'done' } satisfies WorkerReply<Message>);
  });
}
