import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { expandRuns } from '../../src/sweep/expand.js';
import { parseSweepFile } from '../../src/sweep/schema.js';

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

  it('names an unknown key and lists the allowed ones', () => {
    const error = errorOf({ ...valid, learningrate: [0.1] });
    expect(error.message).toMatch(
      /^sweep: unknown key learningrate \(allowed: name, datasets, R, seeds, learningRates/,
    );
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
    const { runCount } = await import('../../src/sweep/schema.js');
    const { expandRuns } = await import('../../src/sweep/expand.js');
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
});
