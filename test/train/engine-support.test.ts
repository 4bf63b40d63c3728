import { describe, expect, test } from 'vitest';
import { type GpuOffer, gpuEngineFor } from '../../src/train/engine-support.js';
import type { RunSpec } from '../../src/train/run-spec.js';
import { pixels, runSpec } from './engines/fixtures/datasets.js';

const mlp: RunSpec = {
  ...runSpec(pixels({ train: 32, validation: 10, test: 10 }), 2, 0.01, { kind: 'standard' }),
  model: 'mlp',
  optimizer: 'sgd-momentum',
};
const reference: RunSpec = { ...mlp, fidelity: 'reference', objective: 'reference' };
const gpu: GpuOffer['cuda'] = { device: 'NVIDIA H200 (sm_90)' };
const noAddon: GpuOffer['cuda'] = { problem: 'no cuda addon at /nowhere/adgap-cuda.node' };
const notInstalled = async () => '@tensorflow/tfjs-node-gpu is not installed';

describe('which GPU engine trains a set of runs', () => {
  test('cuda, when it trains every run and its addon runs on a GPU, without loading tfjs-node-gpu', async () => {
    const tfjsGpuProblem = () => Promise.reject(new Error('tfjs-node-gpu was loaded'));
    expect(await gpuEngineFor([mlp], { cuda: gpu, tfjsGpuProblem })).toEqual({
      engine: 'cuda',
      device: 'NVIDIA H200 (sm_90)',
    });
  });

  test("tfjs-node-gpu, where it loads, for what cuda cannot train (the reference's fidelity)", async () => {
    const offer = { cuda: gpu, tfjsGpuProblem: async () => undefined };
    expect(await gpuEngineFor([mlp, reference], offer)).toEqual({ engine: 'tfjs' });
  });

  test('none, with the addon problem and the tfjs-node-gpu problem', async () => {
    expect(await gpuEngineFor([mlp], { cuda: noAddon, tfjsGpuProblem: notInstalled })).toEqual({
      engine: undefined,
      reasons: ['no cuda addon at /nowhere/adgap-cuda.node', '@tensorflow/tfjs-node-gpu is not installed'],
    });
  });

  test('none, naming first the run cuda could not train even with a GPU', async () => {
    expect(await gpuEngineFor([mlp, reference], { cuda: noAddon, tfjsGpuProblem: notInstalled })).toEqual({
      engine: undefined,
      reasons: [
        "cuda trains adgap's fidelity only (run s2-lr0.01 uses 'reference')",
        '@tensorflow/tfjs-node-gpu is not installed',
      ],
    });
  });
});
