import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { expandRuns } from '../../src/sweep/expand.js';
import { parseDatasetRatios, parseSweepFile, runCount } from '../../src/sweep/schema.js';

const valid = {
  name: 'tiny',
  datasets: ['gaussian'],
  R: [1, 5],
  seeds: [2],
  learningRates: [0.01],
  modes: ['standard', { norm: 'linf', eps: [0.5, 1] }],
};

function errorOf(input: unknown): ValidationError {
  try {
    parseSweepFile(input);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('sweep file validation', () => {
  it('fills the protocol defaults for epochs, patience and batch size', () => {
    expect(parseSweepFile(valid)).toMatchObject({ epochs: 500, patience: 50, batchSize: 64 });
  });

  it('names an unknown key, suggests the nearest allowed one and lists them all', () => {
    const error = errorOf({ ...valid, learningrate: [0.1] });
    expect(error.field).toBe('learningrate');
    expect(error.message).toMatch(
      /^learningrate: unknown key, did you mean 'learningRates'\? \(allowed: name, datasets, R, seeds, learningRates, /,
    );
  });

  it('names a misspelt key before the key it leaves missing', () => {
    const { seeds: _, ...withoutSeeds } = valid;
    expect(errorOf({ ...withoutSeeds, seed: [2] }).message).toMatch(
      /^seed: unknown key, did you mean 'seeds'\? \(allowed: /,
    );
  });

  it.each([
    [{ datasets: [{ group: 'gaussian', datSeed: 1 }] }, 'datasets[0].datSeed', 'dataSeed'],
    [{ datasets: [{ group: 'gaussian', sizes: { trian: 10 } }] }, 'datasets[0].sizes.trian', 'train'],
    [
      { datasets: [{ group: 'cauchy', synthetic: { noise_scale: 1 } }] },
      'datasets[0].synthetic.noise_scale',
      'noiseScale',
    ],
    [{ modes: [{ norm: 'l2', eps: [1], attack: 'pgd', step: 3 }] }, 'modes[0].step', 'steps'],
    [{ patiense: 5 }, 'patiense', 'patience'],
  ])(
    'suggests the key meant inside datasets, sizes, synthetic and modes too (%#)',
    (change, field, meant) => {
      const error = errorOf({ ...valid, ...change });
      expect(error.field).toBe(field);
      expect(error.detail).toMatch(new RegExp(`^unknown key, did you mean '${meant}'\\?`));
    },
  );

  it('suggests nothing for a key far from every allowed one', () => {
    expect(errorOf({ ...valid, colour: 'red' }).message).toMatch(/^colour: unknown key \(allowed: name, /);
  });

  it('names the allowed norms for a norm that is not one', () => {
    expect(errorOf({ ...valid, modes: [{ norm: 'Linf', eps: [1] }] }).message).toBe(
      'modes[0].norm: expected one of linf, l2 (got "Linf")',
    );
  });

  it('refuses a dataset listed twice, defaults filled in, naming both entries', () => {
    for (const datasets of [
      ['gaussian', 'gaussian'],
      ['gaussian', { group: 'gaussian', dataSeed: 0, sizes: { train: 4000 } }],
      [{ group: 'cauchy', synthetic: { noiseScale: 2 } }, 'mnist', { group: 'cauchy', modes: ['standard'] }],
    ]) {
      const error = errorOf({ ...valid, datasets });
      expect(error.field).toBe(`datasets[${datasets.length - 1}]`);
      expect(error.detail).toMatch(
        /^names the same dataset as datasets\[0\] \(group, data seed, sizes and synthetic parameters, defaults included\); list each dataset once and give it all its modes there/,
      );
    }
    expect(() =>
      parseSweepFile({ ...valid, datasets: ['gaussian', { group: 'gaussian', dataSeed: 1 }] }),
    ).not.toThrow();
  });

  it('bounds meanValue and noiseScale, and a meanNonZero given to dim', () => {
    const synthetic = (params: object) => ({
      ...valid,
      datasets: [{ group: 'gaussian', synthetic: params }],
    });
    expect(errorOf(synthetic({ meanValue: 1e308 })).message).toBe(
      'datasets[0].synthetic.meanValue: must be from 1e-6 to 1e6 (got 1e+308)',
    );
    expect(errorOf(synthetic({ noiseScale: 1e-300 })).message).toBe(
      'datasets[0].synthetic.noiseScale: must be from 1e-6 to 1e6 (got 1e-300)',
    );
    expect(errorOf(synthetic({ dim: 10, meanNonZero: 11 })).message).toBe(
      'datasets[0].synthetic.meanNonZero: must be at most dim (10): the class mean has dim coordinates (got 11)',
    );
    // Left out, meanNonZero is 25 or dim where that is smaller, as it always was.
    expect(() => parseSweepFile(synthetic({ dim: 10 }))).not.toThrow();
    expect(() =>
      parseSweepFile(synthetic({ meanValue: 1e6, noiseScale: 1e-6, meanNonZero: 100 })),
    ).not.toThrow();
  });

  it('names a negative R with its value and the allowed range', () => {
    expect(errorOf({ ...valid, R: [1, -2] }).message).toBe('R[1]: an imbalance ratio must be >= 1 (got -2)');
  });

  it('names the missing norm of a radius and the allowed norms', () => {
    const error = errorOf({ ...valid, modes: ['standard', { eps: [0.5] }] });
    expect(error.field).toBe('modes[1].norm');
    expect(error.message).toContain('allowed: linf, l2');
  });

  it('refuses an empty grid, naming the empty field', () => {
    expect(errorOf({ ...valid, seeds: [] }).message).toBe('seeds: the grid needs at least one seed (got [])');
  });

  it('names an unknown dataset group and the allowed groups', () => {
    const error = errorOf({ ...valid, datasets: ['imagenet'] });
    expect(error.field).toBe('datasets[0]');
    expect(error.message).toContain('mnist, fmnist, cifar10, gaussian, cauchy, holtsmark');
  });

  it('expands the grid to datasets x R x modes x seeds x learning rates', () => {
    const runs = expandRuns(parseSweepFile(valid));
    expect(runs).toHaveLength(1 * 2 * 3 * 1 * 1);
    expect(new Set(runs.map((r) => r.runId)).size).toBe(runs.length);
  });

  it('parses a file without objective or fidelity as before fidelity existed, so its sweep id is unchanged', () => {
    expect(parseSweepFile(valid)).toMatchObject({ objective: 'clean' });
    expect(parseSweepFile(valid)).not.toHaveProperty('fidelity');
    expect(parseSweepFile({ ...valid, fidelity: 'reference' })).not.toHaveProperty('objective');
  });

  it('trains adgap fidelity with the clean objective when the file names neither', () => {
    const runs = expandRuns(parseSweepFile(valid));
    expect(new Set(runs.map((r) => `${r.fidelity} ${r.objective}`))).toEqual(new Set(['adgap clean']));
  });

  it('takes the reference objective with reference fidelity, unless the file names an objective', () => {
    const implied = expandRuns(parseSweepFile({ ...valid, fidelity: 'reference' }));
    expect(new Set(implied.map((r) => `${r.fidelity} ${r.objective}`))).toEqual(
      new Set(['reference reference']),
    );
    const explicit = expandRuns(parseSweepFile({ ...valid, fidelity: 'reference', objective: 'clean' }));
    expect(new Set(explicit.map((r) => `${r.fidelity} ${r.objective}`))).toEqual(
      new Set(['reference clean']),
    );
  });

  it('trains the grid once per listed fidelity, with run ids that tell them apart', () => {
    const runs = expandRuns(parseSweepFile({ ...valid, fidelity: ['adgap', 'reference'] }));
    expect(runs).toHaveLength(2 * 1 * 2 * 3 * 1 * 1);
    expect(new Set(runs.map((r) => r.runId)).size).toBe(runs.length);
    // adgap's ids are those of a sweep without fidelity, so sweeps stored before it existed keep theirs.
    const adgapIds = runs.filter((r) => r.fidelity === 'adgap').map((r) => r.runId);
    expect(adgapIds).toEqual(expandRuns(parseSweepFile(valid)).map((r) => r.runId));
    expect(runs.find((r) => r.fidelity === 'reference')?.runId).toMatch(/-standard-reference-s2-lr0\.01$/);
  });

  it('refuses an unknown fidelity and a fidelity named twice', () => {
    expect(errorOf({ ...valid, fidelity: 'exact' }).message).toBe(
      'fidelity: expected adgap or reference, or a list of them (got "exact")',
    );
    expect(errorOf({ ...valid, fidelity: ['reference', 'reference'] }).message).toBe(
      'fidelity: names a fidelity twice (got ["reference","reference"])',
    );
  });
});

describe('the run limit', () => {
  it('counts the grid without expanding it, per-dataset modes included, as expandRuns does', async () => {
    const sweep = parseSweepFile({
      name: 'count',
      datasets: ['gaussian', { group: 'cauchy', modes: [{ norm: 'l2', eps: [1, 2], learningRates: [0.1] }] }],
      R: [1, 2],
      seeds: [2, 22, 42],
      learningRates: [0.1, 0.01],
      modes: ['standard', { norm: 'linf', eps: [0.5] }],
    });
    expect(runCount(sweep)).toBe(expandRuns(sweep).length);
    expect(runCount(sweep)).toBe((2 * (2 + 2) + 2 * 1) * 2 * 3);
  });

  it('counts every fidelity of a fidelity list, so the limit holds for the grid that is trained', () => {
    const sweep = parseSweepFile({ ...valid, fidelity: ['adgap', 'reference'] });
    expect(runCount(sweep)).toBe(expandRuns(sweep).length);
    expect(runCount(sweep)).toBe(2 * runCount(parseSweepFile(valid)));
  });
});

describe('adgap data prepare asks under the sweep file rules', () => {
  it('refuses R above the smallest split size with the message a sweep file gets', () => {
    const sweepError = errorOf({
      ...valid,
      datasets: [{ group: 'gaussian', sizes: { validation: 20, test: 20 } }],
      R: [1000],
    });
    let prepareError: unknown;
    try {
      parseDatasetRatios({ dataset: { group: 'gaussian', sizes: { validation: 20, test: 20 } }, R: [1000] });
    } catch (error) {
      prepareError = error;
    }
    expect(prepareError).toBeInstanceOf(ValidationError);
    expect((prepareError as ValidationError).message).toBe(sweepError.message);
    expect(sweepError.message).toBe(
      'R[0]: leaves gaussian no minority sample in its validation split (floor(20 / R) = 0); R must be <= 20, the smallest split size (got 1000)',
    );
  });
});
