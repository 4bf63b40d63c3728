import { describe, expect, test } from 'vitest';
import type { EngineProbe } from '../../../src/train/engine.js';
import { createEngine, gpuEngineHere } from '../../../src/train/engines/choose.js';
import type { CudaAddon, CudaStatus } from '../../../src/train/engines/cuda/addon.js';
import { cudaProbe } from '../../../src/train/engines/cuda/descriptor.js';
import { gpuBackendProblem } from '../../../src/train/engines/tfjs-shared/gpu.js';
import { pgdMethod } from '../../../src/train/protocol.js';
import type { RunSpec } from '../../../src/train/run-spec.js';
import { gaussian, runSpec } from './fixtures/datasets.js';

const data = gaussian({ train: 64, validation: 10, test: 10 });
const fgsm = runSpec(data, 2, 0.01, {
  kind: 'adversarial',
  norm: 'linf',
  eps: 0.5,
  method: { name: 'one-step' },
});
const mlp: RunSpec = { ...fgsm, model: 'mlp' };
const pgdMomentumReference: RunSpec = {
  ...fgsm,
  optimizer: 'sgd-momentum',
  objective: 'reference',
  mode: { kind: 'adversarial', norm: 'linf', eps: 0.5, method: pgdMethod('linf', 0.5) },
};

// This machine has no GPU backend, so the default for runs linear-cpu trains exactly is linear-cpu.
describe('choosing an engine for a cell', () => {
  test('linear-cpu when it trains every run exactly and no engine was asked for', async () => {
    expect((await createEngine([fgsm], undefined)).name).toBe('linear-cpu');
  });

  test('linear-cpu for every optimiser, attack and objective of the linear model', async () => {
    expect((await createEngine([fgsm, pgdMomentumReference], undefined)).name).toBe('linear-cpu');
  });

  test('mlp-cpu for a cell of MLPs, any optimiser, attack and objective', async () => {
    expect((await createEngine([mlp, { ...pgdMomentumReference, model: 'mlp' }], undefined)).name).toBe(
      'mlp-cpu',
    );
  });

  test('tfjs for a cell that mixes models, or has a model no wasm engine trains', async () => {
    expect((await createEngine([fgsm, mlp], undefined)).name).toBe('tfjs');
    expect((await createEngine([{ ...fgsm, model: 'vgg11' }], undefined)).name).toBe('tfjs');
    // mlp-cpu implements adgap fidelity only; the reference's quirks train on tfjs.
    expect((await createEngine([{ ...mlp, fidelity: 'reference' }], undefined)).name).toBe('tfjs');
  });

  test('an explicit mlp-cpu refuses another model before training, naming the run', async () => {
    await expect(createEngine([mlp, fgsm], 'mlp-cpu')).rejects.toThrow(
      /mlp-cpu trains the mlp model only \(run s2-lr0.01 uses 'linear'\)/,
    );
  });

  test('an explicit linear-cpu refuses a non-linear model before training, naming the run', async () => {
    await expect(createEngine([fgsm, mlp], 'linear-cpu')).rejects.toThrow(
      /linear-cpu trains the linear model only \(run s2-lr0.01 uses 'mlp'\)/,
    );
  });
});

const tfjsGpuProblem = await gpuBackendProblem();

describe('the GPU engine a cell would get here (what `adgap paper` asks)', () => {
  // Never called: the question loads no cell.
  const addon = {} as CudaAddon;
  const gpu: CudaStatus = { available: true, addon, backend: 'cuda', device: 'NVIDIA H200 (sm_90)' };
  const noAddon: CudaStatus = { available: false, reason: 'no cuda addon at /nowhere', built: false };
  const tfjsWithout = (problem: string) => async (): Promise<EngineProbe> => ({
    runs: 'cpu',
    found: undefined,
    where: 'tfjs on the CPUs',
    problem,
  });
  const reference: RunSpec = { ...mlp, fidelity: 'reference', objective: 'reference' };

  test('cuda on the device its addon reports, without loading tfjs-node-gpu', async () => {
    const probes = {
      cuda: async () => cudaProbe(gpu),
      tfjs: () => Promise.reject(new Error('tfjs-node-gpu was loaded')),
    };
    expect(await gpuEngineHere([mlp], probes)).toEqual({
      engine: 'cuda',
      where: 'cuda (NVIDIA H200 (sm_90))',
    });
  });

  test("tfjs-node-gpu, where it loads, for what cuda cannot train (the reference's fidelity)", async () => {
    const probes = {
      cuda: async () => cudaProbe(gpu),
      tfjs: async (): Promise<EngineProbe> => ({ runs: 'gpu', found: undefined, where: 'tfjs-node-gpu' }),
    };
    expect(await gpuEngineHere([mlp, reference], probes)).toEqual({ engine: 'tfjs', where: 'tfjs-node-gpu' });
  });

  test('none, with the addon problem and the tfjs-node-gpu problem', async () => {
    const probes = {
      cuda: async () => cudaProbe(noAddon),
      tfjs: tfjsWithout('@tensorflow/tfjs-node-gpu is not installed'),
    };
    expect(await gpuEngineHere([mlp], probes)).toEqual({
      engine: undefined,
      reasons: ['no cuda addon at /nowhere', '@tensorflow/tfjs-node-gpu is not installed'],
    });
  });

  test('none, naming first the run cuda could not train even with a GPU', async () => {
    const probes = {
      cuda: async () => cudaProbe(noAddon),
      tfjs: tfjsWithout('@tensorflow/tfjs-node-gpu is not installed'),
    };
    expect(await gpuEngineHere([mlp, reference], probes)).toEqual({
      engine: undefined,
      reasons: [
        "cuda trains adgap's fidelity only (run s2-lr0.01 uses 'reference')",
        '@tensorflow/tfjs-node-gpu is not installed',
      ],
    });
  });

  // Where tfjs-node-gpu loads, it trains the cell instead.
  test.skipIf(tfjsGpuProblem === undefined)(
    "none from the host build, whose kernels are CPU loops, with tfjs-node-gpu's own reason here",
    async () => {
      const host: CudaStatus = { available: true, addon, backend: 'host', device: 'host emulation' };
      expect(await gpuEngineHere([mlp], { cuda: async () => cudaProbe(host) })).toEqual({
        engine: undefined,
        reasons: [
          'the cuda addon is the host build (host emulation), used only when asked for',
          tfjsGpuProblem,
        ],
      });
    },
  );
});
