import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { listAll } from '../../src/store/object-store.js';
import { adgap, adgapDetached } from '../helpers/cli.js';

const SWEEP_YAML = `
name: resume-check
datasets:
  - group: gaussian
    sizes: { train: 400, validation: 100, test: 100 }
R: [1, 4]
seeds: [2, 22]
learningRates: [0.01, 0.002]
epochs: 6
patience: 3
modes:
  - standard
  - norm: linf
    eps: [0.5]
`;

async function resultFiles(root: string): Promise<Map<string, string>> {
  const store = new LocalFolderStore(root);
  const files = new Map<string, string>();
  for await (const object of listAll(store, 'sweeps/')) {
    if (object.key.includes('/results/'))
      files.set(object.key, await readFile(join(root, object.key), 'utf8'));
  }
  return files;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the sweep to make progress');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('an interrupted sweep', () => {
  it('resumes without retraining finished runs and reports exactly what an uninterrupted sweep reports', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adgap-resume-'));
    const sweepFile = join(dir, 'sweep.yaml');
    await writeFile(sweepFile, SWEEP_YAML);
    const whole = join(dir, 'whole');
    const interrupted = join(dir, 'interrupted');

    const first = await adgap(['sweep', 'run', sweepFile, '--store', whole]);
    expect(first.code, first.stderr).toBe(0);
    const sweepId = /^sweep: (\S+)$/m.exec(first.stdout)?.[1] as string;
    expect(sweepId).toMatch(/^resume-check-[0-9a-f]{8}$/);

    // Kill the whole process group (the CLI and its job processes) once a few results exist.
    const run = adgapDetached(['sweep', 'run', sweepFile, '--store', interrupted, '--concurrency', '1']);
    await waitFor(async () => (await resultFiles(interrupted)).size >= 3, 60_000);
    process.kill(-(run.pid as number), 'SIGKILL');
    await new Promise((r) => run.once('exit', r));
    const beforeResume = await resultFiles(interrupted);
    expect(beforeResume.size).toBeLessThan(16);

    const resumed = await adgap(['sweep', 'run', sweepFile, '--store', interrupted]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const afterResume = await resultFiles(interrupted);
    expect(afterResume.size).toBe(16);
    for (const [key, content] of beforeResume) expect(afterResume.get(key), key).toBe(content);

    const reportOf = async (store: string) => {
      const out = await adgap(['report', sweepId, '--store', store, '--format', 'json']);
      expect(out.code, out.stderr).toBe(0);
      return JSON.parse(out.stdout);
    };
    const wholeReport = await reportOf(whole);
    expect(wholeReport.runs).toEqual({ expected: 16, finished: 16, failed: 0 });
    expect(await reportOf(interrupted)).toEqual(wholeReport);
  }, 240_000);
});
