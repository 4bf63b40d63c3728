import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SYNTHETIC_PARAMS, type LoadedDataset } from '../../../../src/datasets/types.js';
import { Random } from '../../../../src/random.js';
import { LocalFolderStore } from '../../../../src/store/local-folder.js';
import type { TrainedRun } from '../../../../src/train/engine.js';
import { RunCell, trainStep } from '../../../../src/train/engines/tfjs/engine.js';
import { createOptimizer } from '../../../../src/train/engines/tfjs/optimizers.js';
import { tf, useFastestBackend } from '../../../../src/train/engines/tfjs-shared/tf.js';
import { driveEpochs } from '../../../../src/train/epoch-driver.js';
import type { Objective } from '../../../../src/train/modes.js';
import type { RunSpec } from '../../../../src/train/run-spec.js';
import { preparedDataset } from '../../../datasets/fixtures.js';
import { linearModel } from './helpers.js';

beforeAll(async () => {
  await useFastestBackend();
});

const W = [
  [0.5, -0.3],
  [-0.2, 0.4],
  [0.1, 0.25],
];
const B: [number, number] = [0.05, -0.1];
const X = [
  [1, 2, -1],
  [0.5, -1, 0.3],
  [-0.7, 0.2, 1.5],
  [2, 0.1, -0.4],
];
const Y = [0, 1, 1, 0];
const EPS = 0.1;
const LR = 0.5;

/** Mean cross-entropy gradients of a linear model, by hand: dz = (softmax - onehot) / n. */
function linearGradients(x: number[][]) {
  const n = x.length;
  const gW = W.map(() => [0, 0]);
  const gB = [0, 0];
  const gX: number[][] = [];
  x.forEach((row, s) => {
    const z = [0, 1].map((k) => row.reduce((a, v, i) => a + v * (W[i]?.[k] as number), B[k] as number));
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const p = e.map((v) => v / ((e[0] as number) + (e[1] as number)));
    const dz = p.map((v, k) => (v - (k === Y[s] ? 1 : 0)) / n);
    row.forEach((v, i) => {
      const gi = gW[i] as number[];
      for (const k of [0, 1]) gi[k] = (gi[k] as number) + v * (dz[k] as number);
    });
    for (const k of [0, 1]) gB[k] = (gB[k] as number) + (dz[k] as number);
    gX.push(W.map((w) => (w[0] as number) * (dz[0] as number) + (w[1] as number) * (dz[1] as number)));
  });
  return { gW, gB, gX };
}

function stepOnce(objective: Objective): { w: number[][]; b: number[] } {
  const model = linearModel(W, B);
  const optimizer = createOptimizer('sgd', LR);
  tf.tidy(() =>
    trainStep(
      model,
      optimizer,
      tf.tensor2d(X),
      tf.tensor1d(Y, 'int32'),
      { kind: 'adversarial', norm: 'linf', eps: EPS, method: { name: 'one-step' } },
      objective,
      { clipToUnitBox: false, random: Random.fromSeed(0) },
    ),
  );
  const [w, b] = model.parameters as tf.Variable[];
  return { w: (w as tf.Variable).arraySync() as number[][], b: Array.from((b as tf.Variable).dataSync()) };
}

describe('one FGSM training step on a linear model', () => {
  const clean = linearGradients(X);
  const xAdv = X.map((row, s) => row.map((v, i) => v + EPS * Math.sign(clean.gX[s]?.[i] as number)));
  const adversarial = linearGradients(xAdv);

  /** Every weight and bias after the step equals the start minus lr times the given gradient. */
  function expectStep(
    after: { w: number[][]; b: number[] },
    gW: (i: number, k: number) => number,
    gB: (k: number) => number,
  ) {
    for (let i = 0; i < W.length; i++) {
      for (const k of [0, 1]) expect(after.w[i]?.[k]).toBeCloseTo((W[i]?.[k] as number) - LR * gW(i, k), 6);
    }
    for (const k of [0, 1]) expect(after.b[k]).toBeCloseTo((B[k] as number) - LR * gB(k), 6);
  }

  it('with the reference objective, steps on grad[L(clean) + L(adv)]', () => {
    expectStep(
      stepOnce('reference'),
      (i, k) => (clean.gW[i]?.[k] as number) + (adversarial.gW[i]?.[k] as number),
      (k) => (clean.gB[k] as number) + (adversarial.gB[k] as number),
    );
  });

  it('with the clean objective, steps on grad[L(adv)] only', () => {
    expectStep(
      stepOnce('clean'),
      (i, k) => adversarial.gW[i]?.[k] as number,
      (k) => adversarial.gB[k] as number,
    );
  });
});

/** One run on tfjs's general path (a RunCell), driven to its end. */
async function trainRun(run: RunSpec, data: LoadedDataset): Promise<TrainedRun | undefined> {
  let trained: TrainedRun | undefined;
  await driveEpochs({
    runs: [run],
    open: () => new RunCell(run, data),
    onOutcome: (outcome) => {
      if ('error' in outcome) throw outcome.error;
      trained = outcome.trained;
    },
  });
  return trained;
}

describe("the general path's cell (RunCell)", () => {
  const ref = {
    group: 'gaussian' as const,
    R: 2,
    dataSeed: 1,
    sizes: { train: 200, validation: 60, test: 60 },
    synthetic: { ...DEFAULT_SYNTHETIC_PARAMS, dim: 10, meanNonZero: 3 },
  };
  let storeDir = '';
  let data: LoadedDataset;
  beforeAll(async () => {
    storeDir = await mkdtemp(join(tmpdir(), 'adgap-step-'));
    data = await preparedDataset(new LocalFolderStore(storeDir), ref);
  });
  afterAll(() => rm(storeDir, { recursive: true, force: true }));
  const run: RunSpec = {
    runId: 'r',
    dataset: ref,
    model: 'mlp',
    optimizer: 'sgd-momentum',
    objective: 'reference',
    fidelity: 'adgap',
    learningRate: 0.01,
    seed: 22,
    maxEpochs: 2,
    patience: 5,
    batchSize: 64,
    mode: { kind: 'adversarial', norm: 'l2', eps: 1, method: { name: 'pgd', steps: 3, stepSize: 0.5 } },
  };

  it('gives the same numbers for the same run twice, with robust metrics of both attacks', async () => {
    const first = await trainRun(run, data);
    const second = await trainRun(run, data);
    expect(second).toEqual(first);
    const robust = first?.metrics.robust;
    expect(robust?.trainingAttack.attack).toEqual({
      norm: 'l2',
      eps: 1,
      method: { name: 'pgd', steps: 3, stepSize: 0.5 },
    });
    expect(robust?.pgd.attack.method).toEqual({ name: 'pgd', steps: 50, stepSize: 0.1 });
    expect(robust?.pgd.testBalanced.total).toEqual([60, 60]);
  });

  it('has no robust metrics for a standard run', async () => {
    const trained = await trainRun({ ...run, mode: { kind: 'standard' }, maxEpochs: 1 }, data);
    expect(trained?.metrics.robust).toBeUndefined();
  });
});
