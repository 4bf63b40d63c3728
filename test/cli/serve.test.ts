import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { CLI } from '../helpers/cli.js';
import { writeSyntheticSweep } from '../helpers/synthetic-sweep.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(import.meta.dirname, '../..');
const ROBUST_MODES = ['linf-0.5', 'linf-1', 'l2-2.5', 'l2-5'];

let folder: string;
let sweepId: string;
let server: ChildProcessWithoutNullStreams | undefined;
let baseUrl: string;
let browser: Browser | undefined;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'adgap-serve-'));
  ({ sweepId } = await writeSyntheticSweep(new LocalFolderStore(folder), {
    name: 'browser',
    datasets: ['gaussian'],
    R: [1, 2, 5, 10],
    seeds: [2, 22, 42],
    learningRates: [0.01],
    modes: ['standard', { norm: 'linf', eps: [0.5, 1] }, { norm: 'l2', eps: [2.5, 5] }],
  }));
  server = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--store', folder]);
  baseUrl = await listeningUrl(server);
});

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
  await rm(folder, { recursive: true, force: true });
});

/** `adgap serve --port 0` prints the address it bound; the test reads the free port from there. */
async function listeningUrl(child: ChildProcessWithoutNullStreams): Promise<string> {
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /adgap API on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url) resolve(url);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`adgap serve exited (${code}): ${output}`)));
  });
}

it('shows both figure-1 panels with one line per radius in a real browser', async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install it with 'apt-get install -y chromium' (CI does)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  // A plain navigation: the browser's own Accept header must select the HTML report.
  const response = await page.goto(`${baseUrl}/sweeps/${sweepId}/report`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-type']).toMatch(/^text\/html/);

  for (const panel of ['ad-gap', 'accuracy-gap']) {
    const figure = page.locator(`figure[data-panel="${panel}"]`);
    await expect.poll(() => figure.count()).toBe(1);
    const box = await figure.locator('svg').boundingBox();
    expect(box?.width).toBeGreaterThan(200);
    expect(box?.height).toBeGreaterThan(150);
    const lines = figure.locator('g.series_marks path');
    expect(
      (await lines.evaluateAll((paths) => paths.map((p) => p.getAttribute('aria-label')))).sort(),
    ).toEqual([...ROBUST_MODES].sort());
    // Every line goes through one point per R: 4 ratios, so 3 segments after the first move.
    for (const d of await lines.evaluateAll((paths) => paths.map((p) => p.getAttribute('d') ?? '')))
      expect(d.match(/[ML]/g)).toHaveLength(4);
    // One error bar per (radius, R).
    expect(await figure.locator('g.stderr_marks line').count()).toBe(ROBUST_MODES.length * 4);
    // Theory beside measurement (gaussian, linear, clean objective): a dashed line per radius, through every R
    // except R = 1 at the largest radii, where the optimal rule is undetermined (docs/theory.md).
    const theory = figure.locator('g.theory_marks path');
    const labels = await theory.evaluateAll((paths) => paths.map((p) => p.getAttribute('aria-label')));
    expect(labels.sort()).toEqual(ROBUST_MODES.map((mode) => `${mode} theory`).sort());
    const points = (await theory.evaluateAll((paths) => paths.map((p) => p.getAttribute('d') ?? ''))).map(
      (d) => d.match(/[ML]/g)?.length,
    );
    expect(points.sort()).toEqual([3, 3, 4, 4]);
    expect(await figure.locator('figcaption').textContent()).toContain(
      'the prediction for the optimal linear rules',
    );
  }
  // The table names what produced each row and carries the per-class figures.
  const headers = await page.locator('th').allTextContents();
  for (const header of [
    'objective',
    'fidelity',
    'boundary error PGD (maj, min)',
    'worst-class robust acc (PGD)',
  ])
    expect(headers).toContain(header);
  await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'test-artifacts/report.png'), fullPage: true });
});
