import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adgap } from '../helpers/cli.js';

describe('adgap sweep plan', () => {
  it("resolves 'eps: auto' from the datasets it prepares in the store, and shows each radius", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adgap-plan-'));
    const file = join(dir, 'auto.yaml');
    await writeFile(
      file,
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
});
