import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adgap } from '../helpers/cli.js';
import { sweepIntoNewStore, twoRunSweep } from '../support/tiny-sweeps.js';

describe('a corrupt dataset', () => {
  it('fails the sweep with failure records and advice that works as printed; data prepare verifies and rewrites it', async () => {
    const { file, root, sweepId } = await sweepIntoNewStore('adgap-corrupt-', twoRunSweep('corrupt-check'));
    const [datasetId] = await readdir(join(root, 'datasets'));
    const array = join(root, 'datasets', datasetId as string, 'train-x.npy');
    const bytes = await readFile(array);
    bytes[bytes.length - 1] = (bytes.at(-1) ?? 0) ^ 1;
    await writeFile(array, bytes);
    // Results exist already; drop them so the next run has to load the dataset again.
    const results = join(root, 'sweeps', sweepId, 'results');
    for (const name of await readdir(results)) await writeFile(join(results, name), '');

    const failed = await adgap(['sweep', 'run', file, '--store', root]);
    expect(failed.code).toBe(1);
    const advice = /rewrite it with: (adgap data prepare [^;)\n]*?)(?= \(|;|\)|$)/m.exec(failed.stderr)?.[1];
    expect(advice, failed.stderr).toBe(
      `adgap data prepare gaussian --R 2 --train 100 --validation 20 --test 20 --store file://${root}`,
    );
    expect(failed.stderr).toMatch(
      /1 job\(s\) of sweep \S+ failed \(first: job 0: datasets\/\S+\/train-x\.npy in \S+: sha256 /,
    );
    const status = await adgap(['sweep', 'status', sweepId, '--store', root]);
    expect(status.stdout).toContain('runs: 2 planned, 0 finished, 2 failed, 0 pending');
    const failure = JSON.parse(
      await readFile(
        join(
          root,
          'sweeps',
          sweepId,
          'failures',
          `${(await readdir(join(root, 'sweeps', sweepId, 'failures')))[0]}`,
        ),
        'utf8',
      ),
    );
    expect(failure.error).toMatch(/train-x\.npy in \S+: sha256 [0-9a-f]{64}, the manifest says/);

    const prepare = await adgap((advice as string).split(' ').slice(1));
    expect(prepare.code, prepare.stderr).toBe(0);
    expect(prepare.stdout).toMatch(
      new RegExp(
        `^${datasetId}  rewritten \\(was corrupt: datasets/${datasetId}/train-x\\.npy in \\S+: sha256 `,
      ),
    );
    const again = await adgap((advice as string).split(' ').slice(1));
    expect(again.stdout).toMatch(new RegExp(`^${datasetId}  already present, checksums verified  `));

    const rerun = await adgap(['sweep', 'run', file, '--store', root]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain('runs: 2/2 finished, 0 failed, 0 without a result');
  }, 60_000);
});
