import { describe, expect, test } from 'vitest';
import { runOnWorkers } from '../../../../src/train/engines/wasm-worker/worker-pool.js';

describe("the wasm engines' worker pool", () => {
  test('a crashed worker fails only its unit, naming the error, and the other units still finish', async () => {
    const messages: number[] = [];
    const crashes: { unit: number[]; error: string }[] = [];
    await runOnWorkers<number[], number>({
      entry: new URL('../fixtures/crashing-worker.ts', import.meta.url),
      data: null,
      units: [[1, 2], [3, -1, 4], [5], [6, 7]],
      workerCount: 2,
      onMessage: async (_unit, n) => {
        messages.push(n);
      },
      onCrash: async (unit, error) => {
        crashes.push({ unit, error: error.message });
      },
    });
    expect(messages.sort((a, b) => a - b)).toEqual([1, 2, 3, 5, 6, 7]);
    expect(crashes).toEqual([{ unit: [3, -1, 4], error: 'cannot handle -1' }]);
  });
});
