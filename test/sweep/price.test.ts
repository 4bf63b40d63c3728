import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SYNTHETIC_PARAMS } from '../../src/datasets/types.js';
import { estimateBatchCost, type PriceTable, priceTableSchema } from '../../src/sweep/price.js';
import type { MeasuredRate } from '../../src/sweep/wall-time.js';
import type { RunSpec } from '../../src/train/run-spec.js';
import { linearRun } from '../support/run-spec.js';

/** 1 s per model-epoch for a run of the measured shape (8,000 training samples of 100 features), on 2 cores. */
const cpuRate: MeasuredRate = {
  case: 'gaussian',
  engine: 'linear-cpu',
  backend: 'wasm-simd',
  model: 'linear',
  features: 100,
  trainSamples: 8000,
  attack: 'standard',
  gradientPasses: 1,
  msPerModelEpoch: 1000,
  evaluationSamples: 2000,
  msPerRunEvaluation: 0,
  vcpus: 2,
  measuredAt: '2026-12-01T00:00:00.000Z',
};
/** 0.1 s per model-epoch on the GPU, plus 2 s of final evaluation. */
const cudaRate: MeasuredRate = {
  ...cpuRate,
  engine: 'cuda',
  backend: 'cuda',
  msPerModelEpoch: 100,
  msPerRunEvaluation: 2000,
};
delete (cudaRate as { vcpus?: number }).vcpus;

/** R = 1, train 4,000 per class: 8,000 samples, the rate's shape; 500 epochs. */
const run = (id: string, mode: RunSpec['mode'] = { kind: 'standard' }): RunSpec =>
  linearRun({
    runId: id,
    dataset: {
      group: 'gaussian',
      R: 1,
      dataSeed: 0,
      sizes: { train: 4000, validation: 1000, test: 1000 },
      synthetic: { ...DEFAULT_SYNTHETIC_PARAMS, dim: 100 },
    },
    maxEpochs: 500,
    patience: 50,
    mode,
  });

const table: PriceTable = {
  region: 'us-east-1',
  date: '2026-12-07',
  source: 'a test',
  jobFixedSeconds: { cpu: 120, gpu: 300 },
  instances: [
    { type: 'm6i.large', queue: 'cpu', vcpus: 2, gpus: 0, onDemandPerHour: 0.096, spotPerHour: 0.04 },
    { type: 'c6i.xlarge', queue: 'cpu', vcpus: 4, gpus: 0, onDemandPerHour: 0.17, spotPerHour: 0.06 },
    { type: 'g4dn.xlarge', queue: 'gpu', vcpus: 4, gpus: 1, onDemandPerHour: 0.526, spotPerHour: 0.2 },
    { type: 'g4dn.12xlarge', queue: 'gpu', vcpus: 48, gpus: 4, onDemandPerHour: 3.912, spotPerHour: 1.5 },
  ],
};
const cpuEngineOf = () => 'linear-cpu' as const;

describe('the price of a sweep on the CPU queue', () => {
  // Two runs of 500 s each on the 2-core bench take 1,000 s each on a 1-vCPU job; 1 job of 120 s fixed cost.
  const cost = estimateBatchCost({
    queue: 'cpu',
    runs: [run('a'), run('b')],
    jobCount: 1,
    rates: [cpuRate],
    table,
    cpuEngineOf,
  });

  it('holds a vCPU for each run`s bench time times the bench`s cores, plus each job`s fixed cost', () => {
    expect(cost.unmeasured).toBeUndefined();
    expect(cost.jobHours).toBeCloseTo((2 * 500 * 2 + 120) / 3600, 12);
    expect(cost.fixedJobHours).toBeCloseTo(120 / 3600, 12);
    expect(cost.unratedRuns).toBe(0);
    expect(cost.ratesUsed).toEqual([cpuRate]);
  });

  it('packs 1-vCPU jobs into each type`s vCPUs and bills its instance-hours, cheapest on-demand first', () => {
    const jobHours = 2120 / 3600;
    // c6i.xlarge: $0.0425 a vCPU-hour, m6i.large $0.048.
    expect(cost.instances.map((i) => i.type)).toEqual(['c6i.xlarge', 'm6i.large']);
    const [xlarge, large] = cost.instances;
    expect(large?.instanceHours).toBeCloseTo(jobHours / 2, 12);
    expect(large?.onDemandDollars).toBeCloseTo((jobHours / 2) * 0.096, 12);
    expect(large?.spotDollars).toBeCloseTo((jobHours / 2) * 0.04, 12);
    expect(xlarge?.instanceHours).toBeCloseTo(jobHours / 4, 12);
    expect(xlarge?.onDemandDollars).toBeCloseTo((jobHours / 4) * 0.17, 12);
  });

  it('counts a run without a rate for its attack as unrated, outside every figure', () => {
    const withFgsm = estimateBatchCost({
      queue: 'cpu',
      runs: [
        run('a'),
        run('fgsm', { kind: 'adversarial', norm: 'linf', eps: 1, method: { name: 'one-step' } }),
      ],
      jobCount: 1,
      rates: [cpuRate],
      table,
      cpuEngineOf,
    });
    expect(withFgsm.unratedRuns).toBe(1);
    expect(withFgsm.jobHours).toBeCloseTo((1000 + 120) / 3600, 12);
  });

  it('gives no figure when the rates do not say how many cores they used', () => {
    const { vcpus: _, ...old } = cpuRate;
    const cost = estimateBatchCost({
      queue: 'cpu',
      runs: [run('a')],
      jobCount: 1,
      rates: [old],
      table,
      cpuEngineOf,
    });
    expect(cost.unmeasured).toMatch(/does not say how many cores its linear-cpu rate used/);
    expect(cost.instances).toEqual([]);
  });
});

describe('the price of a sweep on the GPU queue', () => {
  it('is unmeasured, with no figure, while bench/rates.json has no cuda rate', () => {
    const cost = estimateBatchCost({
      queue: 'gpu',
      runs: [run('a')],
      jobCount: 1,
      rates: [cpuRate],
      table,
      cpuEngineOf,
    });
    expect(cost.unmeasured).toMatch(/^the cuda engine's rate is unmeasured \(bench\/gpu-check\.sh/);
    expect(cost.jobHours).toBe(0);
    expect(cost.instances).toEqual([]);
  });

  it('holds a whole GPU for each run`s cuda time, one job per GPU', () => {
    // 500 epochs of 0.1 s and a 2 s evaluation: 52 s a run, 3 runs, 2 jobs of 300 s fixed cost.
    const cost = estimateBatchCost({
      queue: 'gpu',
      runs: [run('a'), run('b'), run('c')],
      jobCount: 2,
      rates: [cpuRate, cudaRate],
      table,
      cpuEngineOf,
    });
    const jobHours = (3 * 52 + 2 * 300) / 3600;
    expect(cost.jobHours).toBeCloseTo(jobHours, 12);
    const byType = Object.fromEntries(cost.instances.map((i) => [i.type, i]));
    expect(byType['g4dn.xlarge']?.instanceHours).toBeCloseTo(jobHours, 12);
    expect(byType['g4dn.xlarge']?.spotDollars).toBeCloseTo(jobHours * 0.2, 12);
    // Four GPUs: four jobs at once on one instance.
    expect(byType['g4dn.12xlarge']?.instanceHours).toBeCloseTo(jobHours / 4, 12);
    expect(cost.ratesUsed).toEqual([cudaRate]);
  });
});

describe("the repository's price table", () => {
  it('is a valid, dated table that prices every default instance family of the stack on its queue', async () => {
    const table = priceTableSchema.parse(
      JSON.parse(await readFile(new URL('../../infra/aws-prices.json', import.meta.url), 'utf8')),
    );
    const { readConfig } = await import('../../infra/config.js');
    const config = readConfig(() => undefined);
    const families = (queue: string) =>
      table.instances.filter((i) => i.queue === queue).map((i) => i.type.split('.')[0]);
    expect(families('cpu').sort()).toEqual([...config.cpuInstanceTypes].sort());
    expect(families('gpu').sort()).toEqual([...config.gpuInstanceTypes].sort());
    expect(table.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const i of table.instances) expect(i.spotPerHour).toBeLessThan(i.onDemandPerHour);
  });
});
