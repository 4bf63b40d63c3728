import { describe, expect, test } from 'vitest';
import { createEngine } from '../../../src/train/engines/choose.js';
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
const unsupported: [string, RunSpec, RegExp][] = [
  ['an MLP', { ...fgsm, model: 'mlp' }, /linear model only/],
  [
    'PGD training',
    { ...fgsm, mode: { kind: 'adversarial', norm: 'linf', eps: 0.5, method: pgdMethod('linf', 0.5) } },
    /PGD/,
  ],
  ['SGD with momentum', { ...fgsm, optimizer: 'sgd-momentum' }, /sgd-momentum/],
  ['the reference objective', { ...fgsm, objective: 'reference' }, /reference/],
];

// This machine has no GPU backend, so the default for runs linear-cpu trains exactly is linear-cpu.
describe('choosing an engine for a cell', () => {
  test('linear-cpu when it trains every run exactly and no engine was asked for', async () => {
    expect((await createEngine([fgsm], undefined)).name).toBe('linear-cpu');
  });

  test.each(unsupported)('tfjs for a cell with %s when no engine was asked for', async (_, run) => {
    expect((await createEngine([fgsm, run], undefined)).name).toBe('tfjs');
  });

  test.each(unsupported)('an explicit linear-cpu refuses %s before training', async (_, run, reason) => {
    await expect(createEngine([fgsm, run], 'linear-cpu')).rejects.toThrow(reason);
  });
});
