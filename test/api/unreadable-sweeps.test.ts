import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { planKey, sweepKey } from '../../src/store/layout.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { writeFinishedAndFailed } from '../helpers/synthetic-sweep.js';

async function storeWithTwoSweeps() {
  const store = new LocalFolderStore(await mkdtemp(join(tmpdir(), 'adgap-api-unreadable-')));
  const good = await writeFinishedAndFailed(store, 'good');
  const bad = await writeFinishedAndFailed(store, 'bad');
  return { store, good: good.sweepId, bad: bad.sweepId, app: createApp(store) };
}

describe('the API over a store with a sweep.json or plan.json that cannot be read', () => {
  it('GET /sweeps answers 200, listing the readable sweeps and then the unreadable one by its folder', async () => {
    const { store, good, bad, app } = await storeWithTwoSweeps();
    await store.put(sweepKey(bad), '{"sweepId": ');
    const response = await app.request('/sweeps');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      {
        sweepId: good,
        name: 'good',
        createdAt: '2025-01-01T00:00:00.000Z',
        runs: { total: 2, done: 1, failed: 1 },
      },
      {
        sweepId: bad,
        unreadable: { key: sweepKey(bad), reason: expect.stringMatching(/^is not JSON \(.+; 12 bytes\)$/) },
      },
    ]);
  });

  it('GET /sweeps lists a copied sweep.json under its own folder as foreign, never the same id twice', async () => {
    const { store, good, bad, app } = await storeWithTwoSweeps();
    await store.put(sweepKey(bad), await store.get(sweepKey(good)));
    const body = (await (await app.request('/sweeps')).json()) as { sweepId: string }[];
    expect(body.map((s) => s.sweepId)).toEqual([good, bad]);
    expect(body[1]).toEqual({
      sweepId: bad,
      unreadable: {
        key: sweepKey(bad),
        reason: `is foreign: it names sweep '${good}', not '${bad}', the sweep whose folder holds it`,
      },
    });
  });

  it.each(['', '/report', '/runs'])(
    'GET /sweeps/{id}%s answers 500 with code unreadable, naming the object and what is wrong, not the store',
    async (route) => {
      const { store, bad, app } = await storeWithTwoSweeps();
      await store.put(planKey(bad), JSON.stringify({ sweepId: bad, jobs: 'none' }));
      await store.put(sweepKey(bad), JSON.stringify({ sweepId: bad }));
      const response = await app.request(`/sweeps/${bad}${route}`);
      expect(response.status).toBe(500);
      const { error } = (await response.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('unreadable');
      expect(error.message).toMatch(
        new RegExp(
          `^sweeps/${bad}/(sweep|plan)\\.json is not a (sweep document|plan) \\(\\w+: Invalid input: `,
        ),
      );
      expect(error.message).not.toContain(store.uri);
    },
  );
});
