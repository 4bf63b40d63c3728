import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { RunOutcome } from '../../../../src/train/engine.js';
import { createEngine } from '../../../../src/train/engines/choose.js';
import { type CudaAddon, type CudaStatus, loadCudaAddon } from '../../../../src/train/engines/cuda/addon.js';
import { cudaProbe } from '../../../../src/train/engines/cuda/descriptor.js';
import { createCudaEngine } from '../../../../src/train/engines/cuda/engine.js';
import { createTfjsEngine } from '../../../../src/train/engines/tfjs/engine.js';
import { useFastestBackend } from '../../../../src/train/engines/tfjs-shared/tf.js';
import type { RunSpec } from '../../../../src/train/run-spec.js';
import { agrees, CUDA_EQUIVALENCE_CASES, cudaVersusTfjs } from '../fixtures/cuda-equivalence.js';
import { pixels, runSpec } from '../fixtures/datasets.js';

const BUILD = new URL('../../../../src/train/engines/cuda/build.sh', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'adgap-cuda-'));
const hasNvcc = (() => {
  try {
    execFileSync('nvcc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// The host build: cell.cu's kernels as CPU loops, what CI can run (a GPU machine runs bench/gpu-check.sh).
let host: CudaAddon;
beforeAll(async () => {
  await useFastestBackend();
  const path = join(out, 'adgap-host.node');
  execFileSync(BUILD, ['host', path], { stdio: 'pipe' });
  const status = loadCudaAddon(path);
  if (!status.available) throw new Error(status.reason);
  expect(status).toMatchObject({ backend: 'host', device: 'host emulation (no GPU)' });
  host = status.addon;
}, 120_000);

// The linear model in every case; the MLP in every one-step mode with the CIFAR optimiser (SGD with momentum),
// under CIFAR's attacks (PGD with clipping) with it, under standard training and FGSM with SGD and Adam, and in
// the two Adam cases where a run leaves the stacked cell's trajectory (cuda-equivalence.ts's Reference; 6 s of
// it): about 40 s on the loaded 2-core machine, most of it tfjs. bench/gpu-check.sh runs all 54 cases on a GPU.
const ADAM_LEAVING_THE_STACKED_CELL = ['mlp, PGD linf, adam', 'mlp, PGD l2 with [0,1] clipping, adam'];
const CI_CASES = CUDA_EQUIVALENCE_CASES.filter((c) => {
  if (c.model === 'linear') return true;
  if (c.mode.kind === 'standard') return true;
  if (ADAM_LEAVING_THE_STACKED_CELL.includes(c.name)) return true;
  if (c.mode.method.name === 'pgd') return c.optimizer === 'sgd-momentum' && c.dataset().pixelRange;
  return c.optimizer === 'sgd-momentum' || (c.mode.norm === 'linf' && !c.dataset().pixelRange);
});

describe('the cuda cell (host build) against tfjs, after 5 steps from the same seeds', () => {
  test.each(CI_CASES.map((c) => [c.name, c] as const))(
    '%s: parameters agree within 1e-5 but for a few near-zero-gradient ones',
    (_, c) => {
      for (const run of cudaVersusTfjs(host, c)) expect(agrees(run), JSON.stringify(run)).toBe(true);
    },
  );
});

describe('the cuda engine (host build)', () => {
  // Standard training keeps it short (robust evaluation is PGD-40 on tfjs); the attacks are the cases above.
  test('trains an MLP cell to the tfjs engine metrics, with the same epochs and best epoch', async () => {
    const data = pixels({ train: 96, validation: 50, test: 50 });
    const runs: RunSpec[] = [2, 22].map((seed) => ({
      ...runSpec(data, seed, 0.05, { kind: 'standard' }, { maxEpochs: 6, patience: 2 }),
      model: 'mlp',
      optimizer: 'sgd-momentum',
    }));
    const train = async (engine: Awaited<ReturnType<typeof createTfjsEngine>>) => {
      const outcomes: RunOutcome[] = [];
      await engine.train(runs, data, async (o) => {
        outcomes.push(o);
      });
      return outcomes;
    };
    const cuda = await train(await createCudaEngine(host, 'host'));
    const tfjs = await train(await createTfjsEngine());
    expect(cuda).toHaveLength(2);
    for (const run of runs) {
      const a = cuda.find((o) => o.run.runId === run.runId);
      const b = tfjs.find((o) => o.run.runId === run.runId);
      if (!a || !b || !('trained' in a) || !('trained' in b)) throw new Error(`run ${run.runId} failed`);
      expect(a.trained.epochsRun).toBe(b.trained.epochsRun);
      expect(a.trained.bestEpoch).toBe(b.trained.bestEpoch);
      for (const split of ['validation', 'testImbalanced', 'testBalanced'] as const) {
        expect(a.trained.metrics[split].correct).toEqual(b.trained.metrics[split].correct);
        expect(a.trained.metrics[split].loss).toBeCloseTo(b.trained.metrics[split].loss, 5);
      }
    }
  }, 60_000);
});

describe('choosing the cuda engine', () => {
  const linear = runSpec(pixels({ train: 32, validation: 10, test: 10 }), 2, 0.01, { kind: 'standard' });
  const mlp: RunSpec = { ...linear, model: 'mlp' };
  const missing: CudaStatus = { available: false, reason: 'no cuda addon at /nowhere', built: false };
  /** A machine whose cuda addon has `status`. */
  const machine = (status: CudaStatus) => ({ cuda: async () => cudaProbe(status) });

  test.skipIf(!hasNvcc)(
    'the nvcc build loads on a machine without a GPU and says why it cannot run',
    () => {
      const path = join(out, 'adgap-cuda.node');
      execFileSync(BUILD, ['cuda', path], {
        stdio: 'pipe',
        env: {
          ...process.env,
          CUDA_ARCHS: '-gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90',
        },
      });
      const status = loadCudaAddon(path);
      expect(status.available).toBe(false);
      if (status.available) return;
      expect(status.built).toBe(true);
      // No libcuda here: the runtime reports an insufficient driver (a machine with a driver and no GPU: no device).
      expect(status.reason).toMatch(/^no usable GPU: cudaGetDeviceCount: /);
    },
    180_000,
  );

  test('with a built addon but no usable GPU, the reason is told and the CPU engines train', async () => {
    const reasons: string[] = [];
    const probes = machine({ available: false, reason: 'no usable GPU: no CUDA device', built: true });
    const onUnusable = (engine: string, problem: string) => reasons.push(`${engine}: ${problem}`);
    expect((await createEngine([linear], undefined, { probes, onUnusable })).name).toBe('linear-cpu');
    expect((await createEngine([mlp], undefined, { probes, onUnusable })).name).toBe('mlp-cpu');
    expect(reasons).toEqual(['cuda: no usable GPU: no CUDA device', 'cuda: no usable GPU: no CUDA device']);
  });

  test('with no addon built, the CPU engines train and nothing is told', async () => {
    const reasons: string[] = [];
    const engine = await createEngine([mlp], undefined, {
      probes: machine(missing),
      onUnusable: (_engine, problem) => reasons.push(problem),
    });
    expect(engine.name).toBe('mlp-cpu');
    expect(reasons).toEqual([]);
  });

  test('a usable GPU trains every stackable cell on cuda, recording the device as the backend', async () => {
    const probes = machine({ available: true, addon: host, backend: 'cuda', device: 'NVIDIA H200 (sm_90)' });
    const engine = await createEngine([linear, mlp], undefined, { probes });
    expect(engine).toMatchObject({ name: 'cuda', backend: 'cuda NVIDIA H200 (sm_90)' });
  });

  test('the host build is never chosen unasked', async () => {
    const probes = machine({ available: true, addon: host, backend: 'host', device: 'host emulation' });
    expect((await createEngine([linear], undefined, { probes })).name).toBe('linear-cpu');
  });

  test('an explicit cuda engine without a GPU fails before training, with the reason', async () => {
    await expect(createEngine([mlp], 'cuda', { probes: machine(missing) })).rejects.toThrow(
      'engine: cuda cannot run here: no cuda addon at /nowhere',
    );
  });

  test('an explicit cuda engine refuses what it cannot train exactly, naming the run', async () => {
    await expect(
      createEngine([{ ...mlp, model: 'vgg11' }], 'cuda', { probes: machine(missing) }),
    ).rejects.toThrow(/cuda trains the linear model and the MLP only \(run s2-lr0.01 uses 'vgg11'\)/);
  });
});
