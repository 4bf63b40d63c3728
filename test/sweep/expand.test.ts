import { describe, expect, it } from 'vitest';
import { expandRuns } from '../../src/sweep/expand.js';
import { parseSweepFile } from '../../src/sweep/schema.js';

const base = { name: 't', R: [1], seeds: [1], learningRates: [0.01] };

describe('expandRuns', () => {
  it('gives each dataset its own model, optimiser and attack unless the sweep names them', () => {
    const runs = expandRuns(
      parseSweepFile({ ...base, datasets: ['gaussian', 'cifar10'], modes: [{ norm: 'linf', eps: [0.5] }] }),
    );
    expect(
      runs.map((r) => [r.model, r.optimizer, r.mode.kind === 'adversarial' && r.mode.method.name]),
    ).toEqual([
      ['linear', 'adam', 'one-step'],
      ['mlp', 'sgd-momentum', 'pgd'],
    ]);
    const chosen = expandRuns(
      parseSweepFile({
        ...base,
        datasets: ['gaussian'],
        model: 'mlp',
        optimizer: 'sgd',
        modes: ['standard'],
      }),
    );
    expect([chosen[0]?.model, chosen[0]?.optimizer]).toEqual(['mlp', 'sgd']);
  });

  it('rejects two modes that would produce the same runs', () => {
    const sweep = parseSweepFile({
      ...base,
      datasets: ['gaussian'],
      modes: [
        { norm: 'linf', eps: [0.5], attack: 'pgd', steps: 10, stepDivisor: 5 },
        { norm: 'linf', eps: [0.5], attack: 'pgd', steps: 10, stepDivisor: 4 },
      ],
    });
    expect(() => expandRuns(sweep)).toThrow(/modes: two modes give the same runs \(linf-0.5-pgd10\)/);
  });
});

describe('the sweep file', () => {
  it('refuses vgg11 for data that are not 3x32x32 images', () => {
    expect(() =>
      parseSweepFile({ ...base, datasets: ['cifar10', 'mnist'], model: 'vgg11', modes: ['standard'] }),
    ).toThrow(/^model: vgg11 takes 3x32x32 images, which only cifar10 has \(not mnist\)/);
  });

  it('refuses PGD step settings on a one-step attack', () => {
    expect(() =>
      parseSweepFile({ ...base, datasets: ['gaussian'], modes: [{ norm: 'l2', eps: [1], steps: 10 }] }),
    ).toThrow(/modes\[0\]\.steps: only with 'attack: pgd'/);
  });
});
