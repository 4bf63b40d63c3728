import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeSweep } from '../../src/application/execute-sweep.js';
import { readResults } from '../../src/results/stored-results.js';
import { hostVariant } from '../../src/runners/docker.js';
import { LocalProcessRunner } from '../../src/runners/local-processes.js';
import { readImageSource } from '../../src/sources/image-source.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { parseSweepFile } from '../../src/sweep/schema.js';
import { gpuBackendProblem } from '../../src/train/engines/tfjs-shared/gpu.js';
import { adgap } from '../helpers/cli.js';
import { startSourceServer, writeSourcesFile } from '../support/source-server.js';

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'adgap-paper-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** The line under cifar10 in `adgap paper --plan`: where it trains, or why not. */
const cifarLine = (stdout: string) => / {2}cifar10 +760 runs {2}wall time: .*\n +(.*)/.exec(stdout)?.[1];
const retry = 'train it with --runner batch, or on a GPU machine with the same --store (the sweep resumes)';

it('adgap paper --plan prints every group with its runs and wall-time bound, and says where CIFAR-10 cannot run', async () => {
  const missing = join(folder, 'no-build', 'adgap-cuda.node');
  const { code, stdout } = await adgap(['paper', '--plan', '--store', folder], { ADGAP_CUDA_ADDON: missing });
  expect(code).toBe(0);
  expect(stdout).toMatch(/^paper sweep: paper-[0-9a-f]{8} \(6,360 runs; objective clean, fidelity adgap\)/);
  for (const group of ['mnist', 'fmnist', 'gaussian', 'cauchy', 'holtsmark'])
    expect(stdout).toMatch(new RegExp(`  ${group} +1120 runs  wall time: .*\\n +runs now`));
  const tfjsGpuProblem = await gpuBackendProblem();
  expect(cifarLine(stdout)).toBe(
    tfjsGpuProblem === undefined
      ? 'runs now on tfjs-node-gpu'
      : `not run here: no cuda addon at ${missing} (build it on a machine with nvcc: src/train/engines/cuda/build.sh cuda); ${tfjsGpuProblem}; ${retry}`,
  );
});

it('with --runner docker, runs CIFAR-10 here only where the runner uses the GPU image', async () => {
  const { stdout } = await adgap(['paper', '--plan', '--runner', 'docker', '--store', folder]);
  expect(cifarLine(stdout)).toBe(
    (await hostVariant()) === 'gpu'
      ? "runs now in the docker runner's GPU image"
      : `not run here: the docker runner's image is the CPU one (nvidia-smi does not answer here); ${retry}`,
  );
});

describe('CIFAR-10 and the cuda engine', () => {
  // A stand-in for cell.cu's addon that answers device() as a build on a GPU machine does: what the job entry
  // point loads from ADGAP_CUDA_ADDON decides, as it decides for `adgap job run`.
  let addon: string;
  beforeAll(async () => {
    addon = join(folder, 'gpu-addon.cjs');
    await writeFile(
      addon,
      "module.exports = { device: () => ({ backend: 'cuda', name: 'Test GPU (sm_90)' }) };\n",
    );
  });

  it('runs CIFAR-10 here when a job here would train it on the cuda engine (and its archive can be had)', async () => {
    // The archive's published location stands behind a local server, as on a machine with internet.
    const archive = new Uint8Array(gzipSync(new Uint8Array(1024)));
    const files = new Map([['cifar-10-binary.tar.gz', archive]]);
    const server = await startSourceServer(files);
    try {
      const sources = await writeSourcesFile({
        path: join(folder, 'cifar-sources.json'),
        group: 'cifar10',
        baseUrl: server.baseUrl,
        files,
      });
      const { code, stdout } = await adgap(['paper', '--plan', '--store', folder], {
        ADGAP_CUDA_ADDON: addon,
        ADGAP_DATASET_SOURCES: sources,
        ADGAP_SOURCE_CACHE: join(folder, 'source-cache'),
      });
      expect(code).toBe(0);
      expect(cifarLine(stdout)).toBe(
        `runs now on cuda (Test GPU (sm_90)); downloads 0.0 MB first from ${server.baseUrl.slice(0, -1)}`,
      );
    } finally {
      await server.stop();
    }
  });

  it('leaves CIFAR-10 out when a job here would train it on cuda but its archive cannot be had', async () => {
    const { stdout } = await adgap(['paper', '--plan', '--store', folder], {
      ADGAP_CUDA_ADDON: addon,
      ADGAP_SOURCE_CACHE: join(folder, 'empty-source-cache'),
    });
    // No internet here: the published location does not answer.
    expect(cifarLine(stdout)).toMatch(
      /^not run now: cifar10: cannot reach https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar-10-binary\.tar\.gz \(.*\); get cifar-10-binary\.tar\.gz/,
    );
  });

  it("leaves CIFAR-10 at the reference's fidelity to tfjs-node-gpu, saying why cuda cannot train it", async () => {
    const { stdout } = await adgap(['paper', '--plan', '--fidelity', 'reference', '--store', folder], {
      ADGAP_CUDA_ADDON: addon,
    });
    const tfjsGpuProblem = await gpuBackendProblem();
    expect(cifarLine(stdout)).toBe(
      tfjsGpuProblem === undefined
        ? 'runs now on tfjs-node-gpu'
        : `not run here: cuda trains adgap's fidelity only (run cifar10-R1-d0-0b8ea7-standard-reference-s2-lr0.1 uses 'reference'); ${tfjsGpuProblem}; ${retry}`,
    );
  });
});

it('the sweep file of `sweep init --preset paper --dataset all` is the sweep `adgap paper` runs', async () => {
  const file = join(folder, 'paper.yaml');
  expect(
    (
      await adgap([
        'sweep',
        'init',
        '--preset',
        'paper',
        '--dataset',
        'all',
        '--fidelity',
        'reference',
        '-o',
        file,
      ])
    ).code,
  ).toBe(0);
  const plan = await adgap(['sweep', 'plan', file, '--store', folder]);
  const paper = await adgap(['paper', '--plan', '--fidelity', 'reference', '--store', folder]);
  const id = /paper-[0-9a-f]{8}/;
  expect(plan.stdout).toMatch(/runs: 6,360 in/);
  expect(id.exec(plan.stdout)?.[0]).toBe(id.exec(paper.stdout)?.[0]);
  expect(paper.stdout).toContain('objective reference, fidelity reference');
});

it('a sweep limited to some groups prepares and trains only those, and a later call resumes the rest', async () => {
  const tiny = { sizes: { train: 64, validation: 32, test: 32 } };
  const sweep = parseSweepFile({
    name: 'groups',
    datasets: [
      { group: 'gaussian', ...tiny, modes: [{ norm: 'l2', eps: [1] }] },
      { group: 'cauchy', ...tiny },
    ],
    R: [2],
    seeds: [2],
    learningRates: [0.01],
    epochs: 3,
    patience: 2,
    modes: ['standard'],
  });
  const store = new LocalFolderStore(join(folder, 'store'));
  const quiet = { start: () => undefined, event: () => undefined, notice: () => undefined };
  const runner = new LocalProcessRunner(1);
  const { sweepId } = await executeSweep({
    store,
    sweep,
    runner,
    progress: quiet,
    readImageSource,
    groups: new Set(['gaussian']),
  });
  expect(
    [...(await readResults(store, sweepId)).results.keys()].map((id) => id.split('-')[0]).sort(),
  ).toEqual(['gaussian', 'gaussian']);
  expect((await readdir(join(folder, 'store', 'datasets'))).every((d) => d.startsWith('gaussian'))).toBe(
    true,
  );
  await executeSweep({ store, sweep, runner, progress: quiet, readImageSource });
  const results = [...(await readResults(store, sweepId)).results.values()];
  // The dataset-level mode belongs to gaussian only: cauchy trains the sweep's standard mode alone.
  expect(results.map((r) => `${r.run.dataset.group} ${r.run.mode.kind}`).sort()).toEqual([
    'cauchy standard',
    'gaussian adversarial',
    'gaussian standard',
  ]);
});
