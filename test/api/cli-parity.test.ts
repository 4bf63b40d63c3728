import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { adgap } from '../helpers/cli.js';
import { writeSyntheticSweep } from '../helpers/synthetic-sweep.js';

let folder: string;
let sweepId: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'adgap-parity-'));
  ({ sweepId } = await writeSyntheticSweep(
    new LocalFolderStore(folder),
    {
      name: 'parity',
      datasets: ['gaussian', 'cauchy'],
      R: [1, 2, 10],
      seeds: [2, 22, 42],
      learningRates: [0.01, 0.001],
      modes: ['standard', { norm: 'linf', eps: [0.5] }, { norm: 'l2', eps: [2.5] }],
    },
    { pending: (r) => r.dataset.group === 'cauchy' && r.dataset.R === 2 && r.seed === 2 },
  ));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function cli(format: string): Promise<string> {
  const { code, stdout, stderr } = await adgap(['report', sweepId, '--store', folder, '--format', format]);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return stdout;
}

it('gives the same JSON report as `adgap report --format json`', async () => {
  const response = await createApp(new LocalFolderStore(folder)).request(`/sweeps/${sweepId}/report`);
  expect(await response.json()).toEqual(JSON.parse(await cli('json')));
});

it('gives the same CSV as `adgap report --format csv`', async () => {
  const response = await createApp(new LocalFolderStore(folder)).request(
    `/sweeps/${sweepId}/report?format=csv`,
  );
  expect((await response.text()).trimEnd()).toBe((await cli('csv')).trimEnd());
});

it('gives the same table as `adgap report`, via ?format=table or Accept: text/plain', async () => {
  const app = createApp(new LocalFolderStore(folder));
  const expected = await cli('table');
  for (const response of [
    await app.request(`/sweeps/${sweepId}/report?format=table`),
    await app.request(`/sweeps/${sweepId}/report`, { headers: { Accept: 'text/plain' } }),
  ]) {
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe(expected);
  }
});

it('gives the same HTML page as `adgap report --format html`', async () => {
  const response = await createApp(new LocalFolderStore(folder)).request(
    `/sweeps/${sweepId}/report?format=html`,
  );
  expect((await response.text()).trimEnd()).toBe((await cli('html')).trimEnd());
});
