import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
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
 * The gpu target as AWS Batch would start it, on a machine without a GPU: built by build-local.sh from this
 * machine's CUDA toolkit, then run with no network. Needs what test/runners/docker.test.ts needs (.ci/docker-e2e
 * provides it) plus nvcc, so it runs only when asked to: ADGAP_DOCKER_E2E=1.
 */
const enabled = process.env.ADGAP_DOCKER_E2E === '1';
// Where build-local.sh finds the toolkit: CUDA_HOME, else nvcc on PATH.
const hasNvcc = (() => {
  if (process.env.CUDA_HOME) return existsSync(join(process.env.CUDA_HOME, 'bin', 'nvcc'));
  try {
    execFileSync('nvcc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!enabled) {
  console.info(
    'test/containers/trainer-gpu.test.ts skipped: set ADGAP_DOCKER_E2E=1 to run it (needs docker)',
  );
} else if (!hasNvcc) {
  console.warn(
    'test/containers/trainer-gpu.test.ts SKIPPED: no CUDA toolkit (CUDA_HOME unset, no nvcc on PATH), so the GPU trainer image was NOT built or tested',
  );
}

const BUILD_LOCAL = fileURLToPath(new URL('../../containers/trainer/build-local.sh', import.meta.url));
const IMAGE = 'adgap-trainer:gpu';
/** Where the engine chooser looks for the addon in the image: DEFAULT_CUDA_ADDON, resolved from /app/src. */
const ADDON_IN_IMAGE = '/app/build/cuda/adgap-cuda.node';

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

// One linear run of a few epochs: the cuda engine would take it on a GPU, the CPU engine takes it here.
const sweep = parseSweepFile({
  name: 'gpu-image',
  datasets: [{ group: 'gaussian', sizes: { train: 200, validation: 50, test: 50 } }],
  R: [2],
  seeds: [2],
  learningRates: [0.01],
  epochs: 3,
  patience: 2,
  modes: ['standard'],
});
const id = sweepId(sweep);

describe.skipIf(!enabled || !hasNvcc)('the gpu trainer image on a machine without a GPU', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'adgap-gpu-image-'));
    // Docker's layer cache makes a rebuild of unchanged sources take seconds; the build log goes to the test's.
    const code = await new Promise<number | null>((resolve, reject) => {
      const build = spawn(BUILD_LOCAL, ['gpu', IMAGE], { stdio: ['ignore', 'inherit', 'inherit'] });
      build.on('error', reject);
      build.on('close', resolve);
    });
    if (code !== 0) throw new Error(`containers/trainer/build-local.sh gpu ${IMAGE} failed (exit ${code})`);
  }, 900_000);
  afterAll(async () => {
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('holds the nvcc build where the engine chooser looks, which loads and says there is no usable GPU', async () => {
    const script = `import { register } from 'tsx/esm/api';
register();
const { DEFAULT_CUDA_ADDON, loadCudaAddon } = await import('/app/src/train/engines/cuda/addon.ts');
console.log(JSON.stringify({ path: DEFAULT_CUDA_ADDON, ...loadCudaAddon(DEFAULT_CUDA_ADDON) }));`;
    // As the image's own user, as Batch runs it.
    const out = await dockerRun(['--entrypoint', 'node'], ['--input-type=module', '-e', script]);
    expect(out.code, out.stderr).toBe(0);
    const status = JSON.parse(out.stdout);
    expect(status).toMatchObject({ path: ADDON_IN_IMAGE, available: false, built: true });
    // No libcuda in the container: the static runtime reports an insufficient driver (cell.test.ts, nvcc build).
    expect(status.reason).toMatch(/^no usable GPU: cudaGetDeviceCount: /);
  });

  it('trains a job as Batch starts it, on the CPU engine, telling why the cuda engine was not used', async () => {
    const root = join(folder, 'store');
    const store = new LocalFolderStore(root);
    const runs = expandRuns(sweep);
    const plan = planJobs(id, runs);
    const meta = { sweepId: id, name: sweep.name, createdAt: 'now', definition: sweep };
    await storeSweep(store, { ...meta, runCount: runs.length, jobCount: plan.jobs.length }, plan);
    await prepareDatasets(store, datasetRefs(sweep), readImageSource);

    // As the docker runner starts a container: the caller's uid, so the mounted store stays writable and theirs.
    const user = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
    const out = await dockerRun(
      ['--user', user, '--volume', `${root}:/store`, '-e', 'AWS_BATCH_JOB_ARRAY_INDEX=0'],
      ['job', 'run', '--store', '/store', '--sweep', id],
    );
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/^cuda engine not used: no usable GPU: cudaGetDeviceCount: /m);
    const events = out.stdout.trim().split('\n');
    expect(events.map((line) => JSON.parse(line))).toEqual(
      runs.map((run) => ({ event: 'run-finished', runId: run.runId })),
    );
    const { results, unreadable } = await readResults(store, id);
    expect(unreadable).toEqual([]);
    expect([...results.values()].map((r) => [r.engine, r.backend])).toEqual([['linear-cpu', 'wasm-simd']]);
  }, 120_000);
});
