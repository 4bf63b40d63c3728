import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { datasetId } from '../../src/datasets/dataset-id.js';
import { ValidationError } from '../../src/errors.js';
import { Random } from '../../src/random.js';
import { datasetRefs, expandRuns } from '../../src/sweep/expand.js';
import { planJobs, planRuns } from '../../src/sweep/plan.js';
import { parseSweepFile, runCount } from '../../src/sweep/schema.js';
import { sweepId } from '../../src/sweep/sweep-id.js';
import type { RunSpec } from '../../src/train/run-spec.js';

/**
 * Sweep files drawn from small pools of values that collide: the same dataset spelt several ways (defaults
 * written out or left to fill in), repeated ratios, seeds and rates, modes that coincide, fidelity lists with a
 * repeat. A seeded generator rather than a property-testing library: the cases are small enough to read when
 * one fails (the message shows the file), and it needs no new dependency.
 */
const DATASETS: unknown[] = [
  'gaussian',
  'cauchy',
  'mnist',
  { group: 'gaussian' },
  { group: 'gaussian', dataSeed: 0 },
  { group: 'gaussian', dataSeed: 1 },
  { group: 'gaussian', sizes: { train: 4000 } },
  { group: 'gaussian', sizes: { train: 400, validation: 100, test: 100 } },
  { group: 'gaussian', synthetic: { dim: 100 } },
  { group: 'gaussian', synthetic: { noiseScale: 2, meanValue: 1 } },
  { group: 'gaussian', synthetic: { dim: 50 } },
  { group: 'gaussian', modes: ['standard'] },
  { group: 'cauchy', modes: [{ norm: 'l2', eps: [1] }] },
  { group: 'mnist', dataSeed: 0, modes: [{ norm: 'linf', eps: 'auto' }] },
];
const MODES: unknown[] = [
  'standard',
  { norm: 'linf', eps: [0.5] },
  { norm: 'linf', eps: [0.5, 1] },
  { norm: 'linf', eps: 'auto' },
  { norm: 'l2', eps: [0.5] },
  { norm: 'l2', eps: [0.5], attack: 'pgd', steps: 3 },
  { norm: 'l2', eps: [0.5], attack: 'pgd', steps: 3, stepDivisor: 4 },
  { norm: 'linf', eps: [1], learningRates: [0.01, 0.001] },
];
const FIDELITIES: unknown[] = [
  undefined,
  'adgap',
  ['adgap', 'reference'],
  ['reference', 'adgap', 'reference'],
];

function sweepFileText(random: Random): string {
  const some = <T>(pool: readonly T[], most: number) =>
    Array.from({ length: 1 + random.int(most) }, () => pool[random.int(pool.length)] as T);
  // A plain repeat in R, seeds or rates is refused by one well-tested rule: draw them distinct but now and then.
  const distinct = <T>(pool: readonly T[]) =>
    random.int(8) === 0 ? some(pool, pool.length) : [...new Set(some(pool, pool.length))];
  const file = {
    name: 'generated',
    datasets: some(DATASETS, 4),
    R: distinct([1, 2, 5]),
    seeds: distinct([2, 22, 0]),
    learningRates: distinct([0.1, 0.01, 1e-3]),
    modes: some(MODES, 3),
    fidelity: FIDELITIES[random.int(FIDELITIES.length)],
    epochs: 5,
  };
  return toYaml(file);
}

/** The plan a sweep file gets, or the refusal a user would see (bad input is fine; a broken plan is not). */
function planOf(text: string, chunkSize: number | undefined): RunSpec[] | ValidationError {
  try {
    const sweep = parseSweepFile(parseYaml(text));
    // eps: auto reads eps_max from prepared data; any positive figures do for planning.
    const radii = Object.fromEntries(datasetRefs(sweep).map((ref) => [datasetId(ref), { l2: 2, linf: 0.5 }]));
    const runs = expandRuns(sweep, radii);
    const planned = planRuns(planJobs(sweepId(sweep), runs, chunkSize));
    expect(planned).toHaveLength(runCount(sweep));
    return planned;
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
}

describe('plans never hold a run id twice', () => {
  it('over 600 generated sweep files, each either refused as bad input or planned with distinct run ids', () => {
    const random = Random.fromSeed(20_250_101);
    const refusals = new Map<string, number>();
    let planned = 0;
    for (let i = 0; i < 600; i++) {
      const text = sweepFileText(random);
      const outcome = planOf(text, [undefined, 1, 3][i % 3]);
      if (outcome instanceof ValidationError) {
        const kind = outcome.message.replace(/\[\d+\]/g, '[]').replace(/ \(got .*$/, '');
        refusals.set(kind, (refusals.get(kind) ?? 0) + 1);
        continue;
      }
      planned++;
      const ids = outcome.map((run) => run.runId);
      expect(new Set(ids).size, `a run id repeats in the plan of\n${text}`).toBe(ids.length);
    }
    // The generator must reach both sides: plans, and each way a file can name a run twice.
    expect(planned).toBeGreaterThan(60);
    const kinds = [...refusals.keys()].join('\n');
    expect(kinds).toContain('names the same dataset as datasets[]');
    expect(kinds).toContain('repeats item []');
    expect(kinds).toContain('two modes give the same runs');
    expect(kinds).toContain('fidelity: names a fidelity twice');
  });

  it('planJobs refuses a list of runs that holds one twice', () => {
    const sweep = parseSweepFile({
      name: 'twice',
      datasets: ['gaussian'],
      R: [1],
      seeds: [2],
      learningRates: [0.1],
      modes: ['standard'],
    });
    const [run] = expandRuns(sweep) as [RunSpec];
    expect(() => planJobs('twice-00000000', [run, run])).toThrow(
      `the plan of sweep twice-00000000 would hold run ${run.runId} twice`,
    );
  });
});
