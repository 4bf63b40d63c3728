import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { adgap } from '../helpers/cli.js';

/** Two standard runs (seeds 2 and 22) of 2 epochs on a small Gaussian set at R 2: seconds of training. */
export const twoRunSweep = (name: string) => `name: ${name}
datasets:
  - group: gaussian
    sizes: { train: 100, validation: 20, test: 20 }
R: [2]
seeds: [2, 22]
learningRates: [0.01]
epochs: 2
patience: 2
modes: [standard]
`;

/** Four runs (standard and linf FGSM, seeds 2 and 22) of 3 epochs on 10 features: seconds, the whole path. */
export const fourRunSweep = (name: string) => `name: ${name}
datasets:
  - group: gaussian
    sizes: { train: 200, validation: 50, test: 50 }
    synthetic: { dim: 10, meanNonZero: 5 }
R: [2]
seeds: [2, 22]
learningRates: [0.01]
epochs: 3
patience: 2
modes: [standard, { norm: linf, eps: [0.5] }]
`;

export interface SweptStore {
  /** The sweep file. */
  file: string;
  /** The store folder. */
  root: string;
  sweepId: string;
}

/** Writes `yaml` as `sweep.yaml` in a new temporary folder; `store` is a folder beside it, not yet made. */
export async function sweepFileInNewFolder(
  yaml: string,
  prefix = 'adgap-sweep-',
): Promise<{ dir: string; file: string; store: string }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const file = join(dir, 'sweep.yaml');
  await writeFile(file, yaml);
  return { dir, file, store: join(dir, 'store') };
}

/**
 * Writes `yaml` as a sweep file in a new temporary folder (named from `prefix`) and runs `adgap sweep run` on it
 * into a store folder beside it, expecting it to succeed.
 */
export async function sweepIntoNewStore(prefix: string, yaml: string): Promise<SweptStore> {
  const { file, store: root } = await sweepFileInNewFolder(yaml, prefix);
  const first = await adgap(['sweep', 'run', file, '--store', root]);
  expect(first.code, first.stderr).toBe(0);
  const sweepId = /^sweep: (\S+)$/m.exec(first.stdout)?.[1] as string;
  return { file, root, sweepId };
}
