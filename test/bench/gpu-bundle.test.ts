import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const exec = promisify(execFile);
const BUNDLE = new URL('../../bench/gpu-bundle.mjs', import.meta.url).pathname;
const BUILD = new URL('../../src/train/engines/cuda/build.sh', import.meta.url).pathname;

type Figure = { figure: string } & Record<string, unknown>;

// What bench/gpu-check.sh runs on the GPU machine, which has Node but no node_modules and no tsx: the bundle
// (bench/gpu-prepare.sh's bundling step) on the host build of the addon, with --dry-run's sizes. It runs
// outside the repository, so nothing it loads can come from the checkout (no tsx, no node_modules). About
// 40 s on the loaded 2-core machine, nearly all of it the host build's 3072-200-2 PGD-40 steps.
const dir = mkdtempSync(join(tmpdir(), 'adgap-gpu-bundle-'));
let exitCode: number;
let figures: Figure[];
beforeAll(async () => {
  const bundle = join(dir, 'gpu');
  const addon = join(dir, 'adgap-host.node');
  await Promise.all([exec(process.execPath, [BUNDLE, bundle]), exec(BUILD, ['host', addon])]);
  const run = await exec(process.execPath, [join(bundle, 'gpu-check.cjs'), '--addon', addon, '--dry-run'], {
    cwd: dir,
    maxBuffer: 64 * 1024 * 1024,
  }).then(
    (result) => ({ ...result, code: 0 }),
    (error: { stdout: string; stderr: string; code: number }) => error,
  );
  exitCode = run.code;
  figures = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Figure);
  if (exitCode !== 0) console.error(run.stderr);
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const named = (figure: string) => figures.filter((f) => f.figure === figure);

describe('the bundled GPU check, dry run on the host build', () => {
  test('exits 0 and prints no error', () => {
    expect(named('error')).toEqual([]);
    expect(exitCode).toBe(0);
  });

  test('passes every equivalence case it runs', () => {
    const cases = named('equivalence');
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) expect(c.pass, JSON.stringify(c)).toBe(true);
    expect(named('equivalence-summary')).toEqual([{ figure: 'equivalence-summary', failures: 0 }]);
  });

  test('times the stacked cell on the cuda engine', () => {
    expect(named('gpu-cell')).toEqual([
      expect.objectContaining({ engine: 'cuda', backend: 'host', msPerModelEpoch: expect.any(Number) }),
    ]);
  });

  test("times the same cell on the CPU machine's engine, mlp-cpu on its worker threads", () => {
    expect(named('cpu-cell')).toEqual([
      expect.objectContaining({ engine: 'mlp-cpu', msPerModelStep: expect.any(Number) }),
    ]);
    expect(named('gpu-vs-cpu')).toEqual([
      expect.objectContaining({ cpuEngine: expect.stringMatching(/^mlp-cpu/) }),
    ]);
  });
});
