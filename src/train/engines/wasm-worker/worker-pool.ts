import { Worker } from 'node:worker_threads';
import type { PoolMessage, WorkerReply } from './serve-units.js';

const BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url);

export interface PoolOptions<Unit, Message> {
  /**
   * The worker's TypeScript module; it calls serveUnits and reads its data from `workerData.data` and its slot,
   * 0 .. workerCount - 1 (a replacement for a crashed worker takes its slot), from `workerData.slot`.
   */
  entry: URL;
  /** Shared with every worker (SharedArrayBuffers in it are shared, not copied). */
  data: unknown;
  units: readonly Unit[];
  workerCount: number;
  onMessage: (unit: Unit, message: Message) => Promise<void>;
  /** A worker died (an uncaught error, out of memory, an exit) while handling `unit`. */
  onCrash: (unit: Unit, error: Error) => Promise<void>;
  /**
   * Abort is passed on to the workers (serveUnits' signal): the units in flight end as their handlers see it, no
   * unit starts after it, and no crash is reported after it.
   */
  signal?: AbortSignal | undefined;
}

/**
 * Hands `units` to `workerCount` worker threads, the next unit to whichever worker is free. A worker that
 * crashes is replaced, so one bad unit costs only that unit. Resolves once every unit is done or crashed and
 * every callback has settled.
 */
export async function runOnWorkers<Unit, Message>(options: PoolOptions<Unit, Message>): Promise<void> {
  const { units, signal } = options;
  let next = 0;
  const callbacks: Promise<void>[] = [];
  const live = new Set<Worker>();
  const abort = () => {
    for (const worker of live) worker.postMessage({ kind: 'abort' } satisfies PoolMessage<Unit>);
  };
  signal?.addEventListener('abort', abort, { once: true });

  const runWorker = (slot: number) =>
    new Promise<void>((resolve) => {
      const worker = new Worker(BOOTSTRAP, {
        workerData: { entry: options.entry.href, data: options.data, slot },
      });
      live.add(worker);
      let current: Unit | undefined;
      let failure: Error | undefined;
      const sendNext = () => {
        if (next >= units.length || signal?.aborted) {
          current = undefined;
          void worker.terminate();
          return;
        }
        current = units[next++] as Unit;
        worker.postMessage({ kind: 'unit', unit: current } satisfies PoolMessage<Unit>);
      };
      worker.on('message', (reply: WorkerReply<Message>) => {
        if (reply.kind === 'done') sendNext();
        else callbacks.push(options.onMessage(current as Unit, reply.body));
      });
      worker.on('error', (error) => {
        failure = error;
      });
      worker.on('exit', (code) => {
        live.delete(worker);
        if (current !== undefined && !signal?.aborted)
          callbacks.push(options.onCrash(current, failure ?? new Error(`worker exited with code ${code}`)));
        resolve();
      });
      sendNext();
    });

  const keepSlotBusy = async (slot: number) => {
    while (next < units.length && !signal?.aborted) await runWorker(slot);
  };
  try {
    await Promise.all(
      Array.from({ length: Math.min(options.workerCount, units.length) }, (_, slot) => keepSlotBusy(slot)),
    );
    await Promise.all(callbacks);
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}
