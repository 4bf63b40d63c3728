import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { CLI } from '../helpers/cli.js';
import { writeSyntheticSweep } from '../helpers/synthetic-sweep.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(import.meta.dirname, '../..');
const MODES = { l2: ['l2-2.5', 'l2-3.75'], linf: ['linf-0.5', 'linf-0.75'] };
const GROUP_NAMES = ['gaussian (dim 100, mean 1 on 25, scale 2)', 'cauchy (dim 100, mean 1 on 25, scale 2)'];
const PANELS = [
  'Gap of AD, l2',
  'Gap of AD, linf',
  'Gap of standard accuracy, l2',
  'Gap of standard accuracy, linf',
];
const RULES = ['clean-val', 'robust-val', 'last-epoch'];

let folder: string;
let sweepId: string;
let server: ChildProcessWithoutNullStreams | undefined;
let baseUrl: string;
let browser: Browser | undefined;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'adgap-serve-'));
  ({ sweepId } = await writeSyntheticSweep(new LocalFolderStore(folder), {
    name: 'browser',
    datasets: ['gaussian', 'cauchy'],
    R: [1, 2, 5, 10],
    seeds: [2, 22, 42],
    learningRates: [0.01],
    // linf 0.75 and l2 3.75 leave the same margin: equal theory, on separate panels now.
    modes: ['standard', { norm: 'linf', eps: [0.5, 0.75] }, { norm: 'l2', eps: [2.5, 3.75] }],
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

async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install it with 'apt-get install -y chromium' (CI does)`);
  browser ??= await chromium.launch({
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
  return browser;
}

/** The panel `index` (row-major) of a rule's figure: vega names each mark group after the layer's name. */
const marks = (rule: string, layer: string, row: number, panel: number) =>
  `g[class~="${layer}_${rule.replaceAll('-', '_')}_${row}_${panel}_marks"]`;

it("draws Figure 1 in the paper's layout at 1280 px, every selection rule side by side, without horizontal overflow", async () => {
  const page = await (await launch()).newPage({ viewport: { width: 1280, height: 900 } });
  // A plain navigation: the browser's own Accept header must select the HTML report.
  const response = await page.goto(`${baseUrl}/sweeps/${sweepId}/report?selection=${RULES.join(',')}`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-type']).toMatch(/^text\/html/);
  // The tables name what produced each row and carry the per-class figures.
  const headers = await page.locator('th').allTextContents();
  for (const header of [
    'objective',
    'fidelity',
    'boundary error PGD (maj, min)',
    'worst-class robust acc (PGD)',
  ])
    expect(headers).toContain(header);
  await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'test-artifacts/report-1280.png'), fullPage: true });

  // The page has no DOM types here (Node's lib): the browser evaluates the expression.
  const width = (await page.evaluate(
    '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
  )) as { scroll: number; client: number };
  expect(width.scroll).toBeLessThanOrEqual(width.client);

  for (const rule of RULES) {
    const figure = page.locator(`figure[data-figure="${rule}"]`);
    await expect.poll(() => figure.count()).toBe(1);
    const texts = await figure.locator('svg text').allTextContents();
    // The rule is named on the figure; one row of panels per group, named by the group and its parameters.
    expect(
      texts.some(
        (t) =>
          t.startsWith('Figure 1: ') &&
          t.includes(
            rule === 'clean-val'
              ? 'clean validation'
              : rule === 'robust-val'
                ? 'robust validation'
                : 'last epoch',
          ),
      ),
    ).toBe(true);
    for (const name of GROUP_NAMES) expect(texts).toContain(name);
    expect(texts.filter((t) => PANELS.includes(t))).toEqual([...PANELS, ...PANELS]);
    expect(texts.some((t) => t.includes('-d0-'))).toBe(false);
    // Axis titles name the quantity; the legend names the radii and theory.
    expect(texts).toContain('AD(robust) − AD(standard)');
    expect(texts).toContain('acc(standard) − acc(robust)');
    expect(texts).toContain('imbalance ratio R');
    expect(texts.some((t) => t.startsWith('theory: optimal linear rule'))).toBe(true);
    for (const mode of [...MODES.l2, ...MODES.linf]) expect(texts).toContain(mode);

    for (const row of [0, 1]) {
      for (const [panel, norm] of (['l2', 'linf', 'l2', 'linf'] as const).entries()) {
        const series = figure.locator(`${marks(rule, 'series', row, panel)} path`);
        expect(
          (await series.evaluateAll((ps) => ps.map((p) => p.getAttribute('aria-label')))).sort(),
        ).toEqual(MODES[norm]);
        // One point per R: 4 ratios; one error bar per (radius, R).
        for (const d of await series.evaluateAll((ps) => ps.map((p) => p.getAttribute('d') ?? '')))
          expect(d.match(/[ML]/g)).toHaveLength(4);
        expect(await figure.locator(`${marks(rule, 'stderr', row, panel)} line`).count()).toBe(8);
        // Theory in both groups' panels (linear, clean objective, one-step attacks), one line per radius; the
        // radii are dodged along R, so lines that coincide (equal predictions) do not hide each other.
        const theory = figure.locator(`${marks(rule, 'theory', row, panel)} path`);
        const labels = await theory.evaluateAll((ps) => ps.map((p) => p.getAttribute('aria-label')));
        expect(labels.sort()).toEqual(MODES[norm].map((mode) => `${mode} theory`));
        const starts = await theory.evaluateAll((ps) =>
          ps.map((p) => /^M([\d.]+)/.exec(p.getAttribute('d') ?? '')?.[1]),
        );
        expect(new Set(starts).size).toBe(2);
      }
    }
  }
  // Side by side: the gap of AD under each rule beside theory, a table per group.
  const comparison = page.locator('table[data-table="selection-comparison"]');
  expect(await comparison.count()).toBe(2);
  expect(await comparison.first().locator('th').allTextContents()).toEqual(['R', 'mode', 'theory', ...RULES]);
  // Every table fits the page.
  for (const table of await page.locator('table').all()) {
    const box = await table.boundingBox();
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(1280);
  }
  await page.close();
});

const run = promisify(execFile);
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const pngSize = (png: Uint8Array) => {
  const view = new DataView(png.buffer, png.byteOffset);
  return { width: view.getUint32(16), height: view.getUint32(20) };
};

it('serves Figure 1 as a standalone SVG and PNG, the same as `adgap report --format svg|png`', async () => {
  const url = `${baseUrl}/sweeps/${sweepId}/report`;
  const svgResponse = await fetch(`${url}?format=svg&selection=clean-val,robust-val`);
  expect(svgResponse.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
  const svg = await svgResponse.text();
  const cli = await run(
    process.execPath,
    [
      CLI,
      'report',
      sweepId,
      '--store',
      folder,
      '--format',
      'svg',
      '--selection',
      'clean-val',
      '--selection',
      'robust-val',
    ],
    { maxBuffer: 1 << 26 },
  );
  expect(cli.stdout).toBe(`${svg}\n`);

  // The SVG parses as a document of its own, with the panels' titles and one row per group for each rule.
  const page = await (await launch()).newPage();
  const parsed = (await page.evaluate(`(() => {
    const doc = new DOMParser().parseFromString(${JSON.stringify(svg)}, 'image/svg+xml');
    return {
      error: doc.querySelector('parsererror')?.textContent ?? null,
      root: doc.documentElement.tagName,
      texts: [...doc.querySelectorAll('text')].map((t) => t.textContent ?? ''),
    };
  })()`)) as { error: string | null; root: string; texts: string[] };
  await page.close();
  expect(parsed.error).toBeNull();
  expect(parsed.root).toBe('svg');
  for (const name of GROUP_NAMES) expect(parsed.texts.filter((t) => t === name)).toHaveLength(2);
  expect(parsed.texts.filter((t) => PANELS.includes(t))).toHaveLength(16);

  const png = new Uint8Array(await (await fetch(`${url}?format=png`)).arrayBuffer());
  expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  // Two rows of four panels at twice the SVG's size: wider than tall, and over 1,600 px wide.
  const { width, height } = pngSize(png);
  expect(width).toBeGreaterThan(1600);
  expect(height).toBeGreaterThan(800);
  expect(width / height).toBeGreaterThan(1);
  const fromCli = await run(
    process.execPath,
    [CLI, 'report', sweepId, '--store', folder, '--format', 'png'],
    { encoding: 'buffer', maxBuffer: 1 << 26 },
  );
  expect(pngSize(new Uint8Array(fromCli.stdout))).toEqual({ width, height });
  await writeFile(join(ROOT, 'test-artifacts/figure-1.png'), png);
});
