import { describe, expect, test } from 'vitest';
import { gpuBackendProblem } from '../../../src/train/engine-support.js';
import { createEngine, gpuEngineHere } from '../../../src/train/engines/choose.js';
import type { CudaAddon, CudaStatus } from '../../../src/train/engines/cuda/addon.js';
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

  test('cuda on the device its addon reports', async () => {
    const gpu = (): CudaStatus => ({
      available: true,
      addon,
      backend: 'cuda',
      device: 'NVIDIA H200 (sm_90)',
    });
    expect(await gpuEngineHere([mlp], gpu)).toEqual({ engine: 'cuda', device: 'NVIDIA H200 (sm_90)' });
  });

  // Where tfjs-node-gpu loads, it trains the cell instead.
  test.skipIf(tfjsGpuProblem === undefined)(
    "none from the host build, whose kernels are CPU loops, nor without an addon, with each one's reason",
    async () => {
      const host = (): CudaStatus => ({ available: true, addon, backend: 'host', device: 'host emulation' });
      expect(await gpuEngineHere([mlp], host)).toEqual({
        engine: undefined,
        reasons: [
          'the cuda addon is the host build (host emulation), used only when asked for',
          tfjsGpuProblem,
        ],
      });
      const missing = (): CudaStatus => ({
        available: false,
        reason: 'no cuda addon at /nowhere',
        built: false,
      });
      expect(await gpuEngineHere([mlp], missing)).toEqual({
        engine: undefined,
        reasons: ['no cuda addon at /nowhere', tfjsGpuProblem],
      });
    },
  );
});
