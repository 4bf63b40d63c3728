import { z } from 'zod';
import { JOB_RESOURCES } from '../stack-contract.js';
import { gpuQueueEngine } from '../train/engines/capabilities.js';
import type { EngineName } from '../train/engines/table.js';
import type { RunSpec } from '../train/run-spec.js';
import { estimateRunSeconds, type MeasuredRate } from './wall-time.js';

/** The stack's two job queues (infra/batch-compute.ts). */
export const BATCH_QUEUES = ['gpu', 'cpu'] as const;
export type BatchQueueName = (typeof BATCH_QUEUES)[number];

const instancePriceSchema = z.strictObject({
  /** An instance type of the queue's compute environments, e.g. c6i.large. */
  type: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/),
  queue: z.enum(BATCH_QUEUES),
  vcpus: z.number().int().positive(),
  gpus: z.number().int().nonnegative(),
  /** US dollars per instance-hour, Linux. */
  onDemandPerHour: z.number().positive(),
  spotPerHour: z.number().positive(),
});
export type InstancePrice = z.infer<typeof instancePriceSchema>;

/**
 * A dated price table of the stack's instance types (infra/aws-prices.json, or a user's file): what an estimate
 * prints beside every dollar figure, so nobody mistakes a snapshot for a quote.
 */
export const priceTableSchema = z.strictObject({
  region: z.string().min(1),
  /** When the table was taken, YYYY-MM-DD. */
  date: z.iso.date(),
  /** Where the prices come from, in a few words; printed beside the figures. */
  source: z.string().min(1),
  /**
   * Seconds each job holds its instance share besides training: placement on a running instance, the image
   * pull, node's start and the dataset load (docs/runners.md). adgap's estimate, per queue.
   */
  jobFixedSeconds: z.strictObject({ gpu: z.number().nonnegative(), cpu: z.number().nonnegative() }),
  instances: z.array(instancePriceSchema).min(1),
});
export type PriceTable = z.infer<typeof priceTableSchema>;

export interface InstanceCost {
  type: string;
  instanceHours: number;
  onDemandDollars: number;
  spotDollars: number;
}

export interface QueueCost {
  queue: BatchQueueName;
  runCount: number;
  jobCount: number;
  /**
   * Why there is no figure at all (no rate measured for the queue's engine, or rates that do not say how many
   * cores they used): the estimate prints this and no number.
   */
  unmeasured?: string;
  /** Runs with no measured rate for their model and attack: in no figure below. */
  unratedRuns: number;
  /** Hours the jobs hold their slot (1 vCPU on the CPU queue, 1 GPU and 4 vCPUs on the GPU queue). */
  jobHours: number;
  /** Of jobHours, the jobs' fixed cost: jobCount x jobFixedSeconds. */
  fixedJobHours: number;
  /** What the job-hours cost on each of the queue's instance types, cheapest on-demand first. */
  instances: InstanceCost[];
  ratesUsed: MeasuredRate[];
}

export interface BatchCostInput {
  queue: BatchQueueName;
  runs: readonly RunSpec[];
  /** How many Batch jobs the runs are planned into (planJobs with the Batch chunk size). */
  jobCount: number;
  rates: readonly MeasuredRate[];
  table: PriceTable;
  /** The engine a CPU job would choose for a run (choose.ts); GPU jobs train every run on gpuQueueEngine's (cuda). */
  cpuEngineOf: (run: RunSpec) => EngineName;
}

/**
 * What a sweep's runs cost on one of the stack's queues, if every run trains its max epochs (so an upper bound:
 * early stopping ends most runs well before). A run's time is its wall-time bound from the measured rates
 * (estimateRunSeconds); on the CPU queue a job has 1 vCPU where the bench's engine used `vcpus` cores, so it takes
 * `vcpus` times as long (the wasm engines' work divides over cores); on the GPU queue a job has the whole GPU, as
 * the cuda rate's bench did. Each job adds its fixed cost. Jobs pack into an instance as far as its vCPUs and
 * GPUs go (two 1-vCPU jobs on a 2-vCPU .large, one GPU job on a 1-GPU xlarge); instance-hours are billed at the
 * table's on-demand and Spot prices. Batch may place jobs on any of the queue's types, so the cost is given per
 * type. A queue with no rate at all for its engine gets no figure, never an invented one.
 */
export function estimateBatchCost(input: BatchCostInput): QueueCost {
  const { queue, runs, jobCount, rates, table } = input;
  const job = JOB_RESOURCES[queue];
  const base = { queue, runCount: runs.length, jobCount };
  const gpuEngine = gpuQueueEngine();
  const engineRates = queue === 'gpu' ? rates.filter((r) => r.engine === gpuEngine) : rates;
  if (queue === 'gpu' && engineRates.length === 0)
    return {
      ...base,
      unmeasured: `the ${gpuEngine} engine's rate is unmeasured (bench/gpu-check.sh on a GPU machine measures it; docs/performance.md)`,
      ...NO_FIGURE,
    };
  let trainingSeconds = 0;
  let unratedRuns = 0;
  const used = new Set<MeasuredRate>();
  for (const run of runs) {
    const estimate = estimateRunSeconds(
      run,
      engineRates,
      queue === 'gpu' ? gpuEngine : input.cpuEngineOf(run),
    );
    if (estimate === undefined) {
      unratedRuns += 1;
      continue;
    }
    const benchVcpus = estimate.rate.vcpus;
    if (queue === 'cpu' && benchVcpus === undefined)
      return {
        ...base,
        unmeasured: `bench/rates.json does not say how many cores its ${estimate.rate.engine} rate used (rerun npm run bench)`,
        ...NO_FIGURE,
      };
    used.add(estimate.rate);
    trainingSeconds +=
      queue === 'cpu' ? (estimate.seconds * (benchVcpus as number)) / job.vcpus : estimate.seconds;
  }
  const fixedSeconds = jobCount * table.jobFixedSeconds[queue];
  const jobHours = (trainingSeconds + fixedSeconds) / 3600;
  const instances = table.instances
    .filter((i) => i.queue === queue)
    .map((i) => {
      const jobsPerInstance = Math.min(
        Math.floor(i.vcpus / job.vcpus),
        job.gpus > 0 ? Math.floor(i.gpus / job.gpus) : Number.POSITIVE_INFINITY,
      );
      const instanceHours = jobsPerInstance > 0 ? jobHours / jobsPerInstance : Number.NaN;
      return {
        type: i.type,
        instanceHours,
        onDemandDollars: instanceHours * i.onDemandPerHour,
        spotDollars: instanceHours * i.spotPerHour,
      };
    })
    .filter((i) => Number.isFinite(i.instanceHours))
    .sort((a, b) => a.onDemandDollars - b.onDemandDollars);
  return {
    ...base,
    unratedRuns,
    jobHours,
    fixedJobHours: fixedSeconds / 3600,
    instances,
    ratesUsed: [...used],
  };
}

const NO_FIGURE = { unratedRuns: 0, jobHours: 0, fixedJobHours: 0, instances: [], ratesUsed: [] };
