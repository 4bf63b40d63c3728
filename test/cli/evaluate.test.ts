import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvaluationRecord } from '../../src/results/evaluations.js';
import type { RunResult } from '../../src/results/run-result.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { listAll } from '../../src/store/object-store.js';
import { cifarBatch } from '../datasets/fixtures.js';
import { adgap, adgapDetached } from '../helpers/cli.js';

/** Every object of the sweeps under `prefix` ('results', 'weights', 'evaluations/exact'), key -> its bytes as text. */
async function objects(root: string, part: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const object of listAll(new LocalFolderStore(root), 'sweeps/')) {
    if (object.key.includes(`/${part}/`))
      files.set(object.key, await readFile(join(root, object.key), 'latin1'));
  }
  return files;
}

const parsed = <T>(files: Map<string, string>): T[] =>
  [...files.values()].map((text) => JSON.parse(text) as T);

async function trained(yaml: string, extra: string[] = []): Promise<{ store: string; sweepId: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'adgap-evaluate-'));
  const file = join(dir, 'sweep.yaml');
  await writeFile(file, yaml);
  const store = join(dir, 'store');
  const out = await adgap(['sweep', 'run', file, '--store', store, ...extra]);
  expect(out.code, out.stderr).toBe(0);
  return { store, sweepId: /^sweep: (\S+)$/m.exec(out.stdout)?.[1] as string };
}

/** Per run id: the record's robust counts per class. */
const robustCounts = (records: EvaluationRecord[]) =>
  new Map(records.map((r) => [r.runId, r.result.testBalanced.correct]));

const GAUSSIAN = `
name: evaluate-gaussian
datasets:
  - group: gaussian
    sizes: { train: 400, validation: 100, test: 200 }
R: [1, 4]
seeds: [2]
learningRates: [0.01]
epochs: 4
patience: 2
modes: [standard, { norm: linf, eps: [0.5, 1] }, { norm: l2, eps: [2] }]
`;

describe('adgap evaluate', () => {
  it('adds exact metrics to a finished gaussian sweep without retraining, equal to FGSM on every unclipped linf run', async () => {
    const { store, sweepId } = await trained(GAUSSIAN);
    const results = await objects(store, 'results');
    const weights = await objects(store, 'weights');
    expect(results.size).toBe(8);
    // Every result names its kept weights: 2 x (d + 1) float32 after the 128-byte .npy header.
    for (const result of parsed<RunResult>(results)) {
      expect(result.weights?.widths).toEqual([100, 2]);
      expect(weights.get(result.weights?.key as string)?.length).toBe(128 + 4 * 2 * 101);
    }

    const out = await adgap(['evaluate', sweepId, '--with', 'exact', '--store', store]);
    expect(out.code, out.stderr).toBe(0);
    expect(await objects(store, 'results')).toEqual(results);
    expect(await objects(store, 'weights')).toEqual(weights);
    const records = parsed<EvaluationRecord>(await objects(store, 'evaluations/exact'));
    // The six adversarial runs; standard runs have no radius.
    expect(records).toHaveLength(6);
    const exact = robustCounts(records);
    for (const result of parsed<RunResult>(results)) {
      const mode = result.run.mode;
      if (mode.kind === 'standard') {
        expect(exact.has(result.run.runId)).toBe(false);
        continue;
      }
      const record = records.find((r) => r.runId === result.run.runId) as EvaluationRecord;
      expect(record.weightsSha256).toBe(result.weights?.sha256);
      expect(record.result.method).toEqual({ name: 'exact' });
      // FGSM against a linear model without a box is its exact worst case (the training attack here).
      if (mode.norm === 'linf') {
        expect(result.metrics.robust?.trainingAttack.attack.method).toEqual({ name: 'one-step' });
        expect(exact.get(result.run.runId), result.run.runId).toEqual(
          result.metrics.robust?.trainingAttack.testBalanced.correct,
        );
      }
    }

    const again = await adgap(['evaluate', sweepId, '--with', 'exact', '--store', store]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/^\[6\/6\] /m);
  }, 240_000);

  it('resumes after kill -9: every record present once, those written before the kill unchanged', async () => {
    const { store, sweepId } = await trained(GAUSSIAN, ['--chunk-size', '1']);
    const run = adgapDetached([
      'evaluate',
      sweepId,
      '--with',
      'apgd',
      '--store',
      store,
      '--concurrency',
      '1',
    ]);
    const deadline = Date.now() + 120_000;
    while ((await objects(store, 'evaluations/apgd')).size < 1) {
      if (Date.now() > deadline) throw new Error('no evaluation record appeared');
      await new Promise((r) => setTimeout(r, 50));
    }
    process.kill(-(run.pid as number), 'SIGKILL');
    await new Promise((r) => run.once('exit', r));
    const before = await objects(store, 'evaluations/apgd');
    expect(before.size).toBeLessThan(6);

    const resumed = await adgap(['evaluate', sweepId, '--with', 'apgd', '--store', store]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = await objects(store, 'evaluations/apgd');
    expect(after.size).toBe(6);
    expect(new Set(parsed<EvaluationRecord>(after).map((r) => r.runId)).size).toBe(6);
    for (const [key, text] of before) expect(after.get(key), key).toBe(text);
  }, 240_000);

  it("computes a sweep file's evaluation at training time; on clipped MNIST exact <= PGD robust accuracy on every run", async () => {
    const { store } = await trained(`
name: evaluate-mnist
datasets:
  - group: mnist
    sizes: { train: 300, validation: 100, test: 100 }
R: [1, 3]
seeds: [2]
learningRates: [0.05]
epochs: 3
patience: 2
modes: [{ norm: linf, eps: [0.1] }, { norm: l2, eps: [1] }]
evaluation: [pgd, exact]
`);
    const results = parsed<RunResult>(await objects(store, 'results'));
    const exact = robustCounts(parsed<EvaluationRecord>(await objects(store, 'evaluations/exact')));
    expect(exact.size).toBe(results.length);
    for (const result of results) {
      const pgd = result.metrics.robust?.pgd.testBalanced.correct as [number, number];
      const counts = exact.get(result.run.runId) as [number, number];
      expect(counts[0], result.run.runId).toBeLessThanOrEqual(pgd[0]);
      expect(counts[1], result.run.runId).toBeLessThanOrEqual(pgd[1]);
    }
  }, 240_000);

  it("keeps a cuda (host build) run's selected weights: exact's clean counts from them are the result's", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adgap-evaluate-cuda-'));
    const addon = join(dir, 'adgap-host.node');
    execFileSync(
      new URL('../../src/train/engines/cuda/build.sh', import.meta.url).pathname,
      ['host', addon],
      {
        stdio: 'pipe',
      },
    );
    const file = join(dir, 'sweep.yaml');
    await writeFile(
      file,
      `${GAUSSIAN.replace('name: evaluate-gaussian', 'name: evaluate-cuda')}engine: cuda\n`,
    );
    const store = join(dir, 'store');
    const env = { ADGAP_CUDA_ADDON: addon };
    const run = await adgap(['sweep', 'run', file, '--store', store], env);
    expect(run.code, run.stderr).toBe(0);
    const sweepId = /^sweep: (\S+)$/m.exec(run.stdout)?.[1] as string;
    const out = await adgap(['evaluate', sweepId, '--with', 'exact', '--store', store], env);
    expect(out.code, out.stderr).toBe(0);
    const results = parsed<RunResult>(await objects(store, 'results'));
    const records = parsed<EvaluationRecord>(await objects(store, 'evaluations/exact'));
    expect(records).toHaveLength(6);
    for (const record of records) {
      const result = results.find((r) => r.run.runId === record.runId) as RunResult;
      expect(result.engine).toBe('cuda');
      expect(record.result.perClass.cleanAccuracy, record.runId).toEqual(
        result.metrics.perClass?.cleanAccuracy,
      );
    }
  }, 240_000);

  it('computes APGD for an MLP on a CIFAR-format slice, and refuses exact for it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adgap-evaluate-cifar-'));
    const batches = join(dir, 'cifar-10-batches-bin');
    await mkdir(batches);
    const names = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`).concat('test_batch.bin');
    // Cats brighter than dogs on average, with noise: an MLP learns it, and an attack can undo it.
    const labels = Array.from({ length: 40 }, (_, r) => (r % 2 === 0 ? 3 : 5));
    for (const [b, name] of names.entries()) {
      await writeFile(
        join(batches, name),
        cifarBatch(
          labels,
          (r, i) => ((r % 2 === 0 ? 150 : 100) + ((b * 7919 + r * 104729 + i * 31) % 61)) % 256,
        ),
      );
    }
    const store = join(dir, 'store');
    const sizes = ['--train', '40', '--validation', '10', '--test', '10'];
    const prepare = await adgap([
      'data',
      'prepare',
      'cifar10',
      '--R',
      '2',
      ...sizes,
      '--source',
      dir,
      '--store',
      store,
    ]);
    expect(prepare.code, prepare.stderr).toBe(0);
    const file = join(dir, 'sweep.yaml');
    await writeFile(
      file,
      `
name: evaluate-cifar
datasets:
  - group: cifar10
    sizes: { train: 40, validation: 10, test: 10 }
R: [2]
seeds: [2]
learningRates: [0.01]
epochs: 2
patience: 2
modes: [{ norm: linf, eps: [0.03], attack: pgd, steps: 3 }]
`,
    );
    const run = await adgap(['sweep', 'run', file, '--store', store]);
    expect(run.code, run.stderr).toBe(0);
    const sweepId = /^sweep: (\S+)$/m.exec(run.stdout)?.[1] as string;
    const [result] = parsed<RunResult>(await objects(store, 'results'));
    expect(result?.weights?.widths).toEqual([3072, 200, 2]);

    const refused = await adgap(['evaluate', sweepId, '--with', 'exact', '--store', store]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /exact applies to no run of this sweep: .*linear models only, not mlp \(use apgd\)/,
    );

    const out = await adgap(['evaluate', sweepId, '--with', 'apgd', '--store', store]);
    expect(out.code, out.stderr).toBe(0);
    const [record] = parsed<EvaluationRecord>(await objects(store, 'evaluations/apgd'));
    expect(record?.result.method).toEqual({ name: 'apgd-ce', iterations: 100, restarts: 1 });
    // Clean counts from the kept weights are the result's own: the weights are the selected checkpoint's.
    expect(record?.result.perClass.cleanAccuracy).toEqual(result?.metrics.perClass?.cleanAccuracy);
    const pgd = result?.metrics.robust?.pgd.testBalanced.correct as [number, number];
    const apgd = record?.result.testBalanced.correct as [number, number];
    expect(apgd[0] + apgd[1]).toBeLessThanOrEqual(pgd[0] + pgd[1] + 1);
  }, 240_000);
});
