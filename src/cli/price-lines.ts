import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../errors.js';
import { BATCH_CHUNK_SIZE } from '../runners/batch.js';
import { JOB_RESOURCES } from '../stack-contract.js';
import { planJobs } from '../sweep/plan.js';
import {
  BATCH_QUEUES,
  type BatchQueueName,
  estimateBatchCost,
  type PriceTable,
  priceTableSchema,
  type QueueCost,
} from '../sweep/price.js';
import type { MeasuredRate } from '../sweep/wall-time.js';
import type { EngineName } from '../train/engines/table.js';
import type { RunSpec } from '../train/run-spec.js';

/** The repository's dated price table of the stack's instance types; `--prices FILE` gives another. */
export const PRICES_FILE = fileURLToPath(new URL('../../infra/aws-prices.json', import.meta.url));

export const PRICES_OPTION = [
  '--prices <file>',
  'batch: the price table to use (default: infra/aws-prices.json, a dated snapshot; docs/performance.md)',
] as const;

export async function readPriceTable(file: string = PRICES_FILE): Promise<PriceTable> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ValidationError('--prices', `cannot read '${file}' as JSON (${(error as Error).message})`);
  }
  const result = priceTableSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ValidationError(
      '--prices',
      `'${file}' at ${issue?.path.join('.') || 'the top'}: ${issue?.message} (infra/aws-prices.json shows the format)`,
    );
  }
  return result.data;
}

export interface BatchCostRequest {
  sweepId: string;
  runs: readonly RunSpec[];
  rates: readonly MeasuredRate[] | undefined;
  /** The queue `--queue` submits to; both are priced. */
  queue: BatchQueueName;
  /** readPriceTable's, read before the plan so that a bad --prices fails at once. */
  table: PriceTable;
  /** The --prices file, when not the repository's table. */
  pricesFile: string | undefined;
  cpuEngineOf: (run: RunSpec) => EngineName;
}

/**
 * The lines `sweep plan` and `paper --plan` print for `--runner batch`: per queue, the hours and what they cost on
 * each of its instance types, on-demand and Spot, with the table's region, date and source beside the figures.
 */
export function batchCostLines(request: BatchCostRequest): string[] {
  const header =
    'cost on AWS Batch, if every run trains its max epochs (an upper bound: early stopping ends most runs well before):';
  if (request.rates === undefined)
    return [header, '  no measured rates here (run `npm run bench` to measure this machine): no price'];
  const { table } = request;
  const jobCount = planJobs(request.sweepId, request.runs, BATCH_CHUNK_SIZE).jobs.length;
  const lines = [header];
  for (const queue of [request.queue, ...BATCH_QUEUES.filter((q) => q !== request.queue)]) {
    const cost = estimateBatchCost({
      queue,
      runs: request.runs,
      jobCount,
      rates: request.rates,
      table,
      cpuEngineOf: request.cpuEngineOf,
    });
    lines.push(...queueLines(cost, table, queue === request.queue));
  }
  lines.push(
    `  prices: ${table.region}, a snapshot taken ${table.date} (${request.pricesFile ?? 'infra/aws-prices.json'}; ${table.source}).`,
    '  Spot prices move with demand: check them before a large sweep, or pass your own table with --prices FILE (docs/performance.md).',
  );
  return lines;
}

function queueLines(cost: QueueCost, table: PriceTable, chosen: boolean): string[] {
  const name = `${cost.queue} queue${chosen ? ` (the one --queue ${cost.queue} submits to)` : ''}`;
  if (cost.unmeasured !== undefined) return [`  ${name}: no price: ${cost.unmeasured}`];
  const job = JOB_RESOURCES[cost.queue];
  const [amount, unit] =
    job.gpus > 0 ? [cost.jobHours * job.gpus, 'GPU-hours'] : [cost.jobHours * job.vcpus, 'vCPU-hours'];
  const share = cost.fixedJobHours / cost.jobHours;
  const lines = [
    `  ${name}: ${hours(amount)} ${unit} in ${count(cost.jobCount)} jobs, ${percent(share)} of it the jobs' fixed cost (${table.jobFixedSeconds[cost.queue]} s a job)`,
    ...cost.instances.map(
      (i) =>
        `    ${i.type.padEnd(13)} ${hours(i.instanceHours).padStart(9)} instance-hours: on-demand ${dollars(i.onDemandDollars)}, Spot ${dollars(i.spotDollars)}`,
    ),
  ];
  if (cost.unratedRuns > 0)
    lines.push(
      `    ${count(cost.unratedRuns)} of its ${count(cost.runCount)} runs have no measured rate for their model and attack and are not counted`,
    );
  return lines;
}

const count = (x: number) => x.toLocaleString('en-US');
const hours = (x: number) =>
  x >= 100
    ? Math.ceil(x).toLocaleString('en-US')
    : x.toLocaleString('en-US', { maximumSignificantDigits: 3 });
const dollars = (x: number) => `$${x >= 100 ? Math.ceil(x).toLocaleString('en-US') : x.toFixed(2)}`;
const percent = (x: number) => `${(100 * x).toPrecision(2)}%`;
