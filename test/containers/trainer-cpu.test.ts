import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDatasets } from '../../src/datasets/prepare.js';
import { readResults } from '../../src/results/stored-results.js';
import { storeSweep } from '../../src/results/stored-sweep.js';
import { readImageSource } from '../../src/sources/image-source.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { datasetRefs, expandRuns } from '../../src/sweep/expand.js';
import { planJobs } from '../../src/sweep/plan.js';
import { parseSweepFile } from '../../src/sweep/schema.js';
import { sweepId } from '../../src/sweep/sweep-id.js';

/**
 * The cpu target as the Batch CPU queue starts it: built by build-local.sh (its mlp-native stage compiles
 * mlp-cpu's native products with g++), then run with no network. Needs what test/runners/docker.test.ts needs
 * (.ci/docker-e2e provides it), so it runs only when asked to: ADGAP_DOCKER_E2E=1.
 */
const enabled = process.env.ADGAP_DOCKER_E2E === '1';
if (!enabled)
  console.info(
    'test/containers/trainer-cpu.test.ts skipped: set ADGAP_DOCKER_E2E=1 to run it (needs docker)',
  );

const BUILD_LOCAL = fileURLToPath(new URL('../../containers/trainer/build-local.sh', import.meta.url));
const IMAGE = 'adgap-trainer:cpu';

const exec = promisify(execFile);

/** `docker run --rm --network none ... IMAGE ...args`, its output and exit status whatever they are. */
async function dockerRun(
  options: string[],
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const run = ['run', '--rm', '--network', 'none'];
    const { stdout, stderr } = await exec('docker', [...run, ...options, IMAGE, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

// Two MLP runs under PGD, the CIFAR-10 engine's work at a test's size.
const sweep = parseSweepFile({
  name: 'cpu-image',
  datasets: [{ group: 'gaussian', sizes: { train: 100, validation: 40, test: 40 } }],
  R: [2],
  seeds: [2],
  learningRates: [0.01, 0.001],
  model: 'mlp',
  epochs: 2,
  patience: 2,
  modes: [{ norm: 'linf', eps: [0.1], attack: 'pgd' }],
});
const id = sweepId(sweep);

describe.skipIf(!enabled)('the cpu trainer image', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'adgap-cpu-image-'));
    // Docker's layer cache makes a rebuild of unchanged sources take seconds; the build log goes to the test's.
    const code = await new Promise<number | null>((resolve, reject) => {
      const build = spawn(BUILD_LOCAL, ['cpu', IMAGE], { stdio: ['ignore', 'inherit', 'inherit'] });
      build.on('error', reject);
      build.on('close', resolve);
    });
    if (code !== 0) throw new Error(`containers/trainer/build-local.sh cpu ${IMAGE} failed (exit ${code})`);
  }, 900_000);
  afterAll(async () => {
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('holds the native products of its own sources where mlp-cpu looks, and they load', async () => {
    const script = `import { register } from 'tsx/esm/api';
register();
const { nativeProductsStatus } = await import('/app/src/train/engines/mlp-cpu/native/products.ts');
console.log(JSON.stringify(nativeProductsStatus()));`;
    // As the image's own user, as Batch runs it.
    const out = await dockerRun(['--entrypoint', 'node'], ['--input-type=module', '-e', script]);
    expect(out.code, out.stderr).toBe(0);
    const status = JSON.parse(out.stdout);
    expect(status).toMatchObject({ available: true, choice: { kind: 'native' } });
    expect(status.choice.addon).toMatch(/^\/app\/build\/mlp-native\/products-[0-9a-f]{16}\.node$/);
  });

  it('trains an MLP job as Batch starts it, on mlp-cpu with the native products', async () => {
    const root = join(folder, 'store');
    const store = new LocalFolderStore(root);
    const runs = expandRuns(sweep);
    const plan = planJobs(id, runs);
    const meta = { sweepId: id, name: sweep.name, createdAt: 'now', definition: sweep };
    await storeSweep(store, { ...meta, runCount: runs.length, jobCount: plan.jobs.length }, plan);
    await prepareDatasets(store, datasetRefs(sweep), readImageSource);

    // As the docker runner starts a container: the caller's uid, so the mounted store stays writable and theirs.
    const user = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
    const results = new Map();
    for (let job = 0; job < plan.jobs.length; job++) {
      const out = await dockerRun(
        ['--user', user, '--volume', `${root}:/store`, '-e', `AWS_BATCH_JOB_ARRAY_INDEX=${job}`],
        ['job', 'run', '--store', '/store', '--sweep', id],
      );
      expect(out.code, out.stderr).toBe(0);
    }
    const read = await readResults(store, id);
    expect(read.unreadable).toEqual([]);
    for (const [runId, result] of read.results) results.set(runId, [result.engine, result.backend]);
    expect(results.size).toBe(runs.length);
    for (const [engine, backend] of results.values()) {
      expect(engine).toBe('mlp-cpu');
      expect(backend).toMatch(/^native-(avx512|avx2)$/);
    }
  }, 300_000);
});
