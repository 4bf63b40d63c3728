import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adgap } from '../helpers/cli.js';
import { sweepFileInNewFolder } from '../support/tiny-sweeps.js';

describe('adgap sweep plan', () => {
  it("resolves 'eps: auto' from the datasets it prepares in the store, and shows each radius", async () => {
    const { dir, file } = await sweepFileInNewFolder(
      'name: auto\ndatasets: [gaussian]\nR: [2]\nseeds: [2]\nlearningRates: [0.01]\nmodes: [{ norm: l2, eps: auto }]\n',
    );
    const out = await adgap(['sweep', 'plan', file, '--store', join(dir, 'store')]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('runs: 3 in 3 jobs');
    const datasets = join(dir, 'store', 'datasets');
    const prepared = await readdir(datasets);
    expect(prepared).toHaveLength(1);
    const manifest = JSON.parse(
      await readFile(join(datasets, prepared[0] as string, 'manifest.json'), 'utf8'),
    ) as { epsMax: { l2: number } };
    // protocol.md's rule: {1, 3/4, 1/2} x half the l2 distance between the class means (about 5 here).
    for (const factor of [1, 0.75, 0.5])
      expect(out.stdout).toContain(`l2-auto${factor} (eps ${(factor * manifest.epsMax.l2).toPrecision(4)})`);
    expect(manifest.epsMax.l2).toBeGreaterThan(4.5);
    expect(manifest.epsMax.l2).toBeLessThan(5.5);
  });

  it("estimates the GPU queue from bench/rates.json's cuda rates, or says they are unmeasured", async () => {
    const { dir, file } = await sweepFileInNewFolder(
      'name: mlp\ndatasets: [gaussian]\nR: [1]\nseeds: [2]\nlearningRates: [0.01]\nmodel: mlp\nmodes: [{ norm: linf, eps: [0.03], attack: pgd }]\n',
    );
    const out = await adgap(['sweep', 'plan', file, '--store', join(dir, 'store')]);
    expect(out.code).toBe(0);
    const rates = JSON.parse(await readFile(new URL('../../bench/rates.json', import.meta.url), 'utf8')) as {
      engine: string;
      model: string;
    }[];
    // Only bench/gpu-check.sh on a GPU machine adds cuda rates (bench/add-gpu-rates.ts).
    if (rates.some((r) => r.engine === 'cuda' && r.model === 'mlp'))
      expect(out.stdout).toMatch(/GPU queue: at most \d+ h \d+ min on one GPU \(cuda on cuda /);
    else expect(out.stdout).toContain("GPU queue: no estimate, the cuda engine's rate is unmeasured");
  });
});
