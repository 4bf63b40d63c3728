import { z } from 'zod';
import { featureCount, featureShapeOf } from '../datasets/types.js';
import { engineNames, gpuQueueEngine } from '../train/engines/capabilities.js';
import type { EngineName } from '../train/engines/table.js';
import { MODE_KINDS } from '../train/modes.js';
import { gradientPassesPerSample, MODEL_NAMES, modeKindOf, type RunSpec } from '../train/run-spec.js';

/**
 * One measured training rate, as `npm run bench` records it in bench/rates.json: wall milliseconds per
 * model-epoch of a cell of `models` runs on the machine the bench ran on, with the engine and backend it used.
 */
export const measuredRateSchema = z.object({
  case: z.string(),
  engine: z.enum(engineNames()),
  backend: z.string(),
  model: z.enum(MODEL_NAMES),
  features: z.number().int().positive(),
  trainSamples: z.number().int().positive(),
  /** The kind of the case's training mode (modes.ts: standard, one-step, pgd). */
  attack: z.enum(MODE_KINDS.map((kind) => kind.name)),
  /** Gradient passes a training sample takes per step (gradientPassesPerSample of the case's mode). */
  gradientPasses: z.number().int().positive(),
  msPerModelEpoch: z.number().positive(),
  /** Balanced test samples of the measured case: a run's final evaluation attacks every one of them. */
  evaluationSamples: z.number().int().positive(),
  /**
   * Wall milliseconds a run takes beyond its epochs: its final clean and robust evaluation (for linear-cpu
   * with its share of starting the workers). Paid once per run, however early it stops.
   */
  msPerRunEvaluation: z.number().nonnegative(),
  /**
   * The CPU cores the engine used (the bench machine's; the wasm engines use every core). A CPU job on Batch
   * with fewer vCPUs takes proportionally longer (src/sweep/price.ts). Absent in rates measured before it was
   * recorded.
   */
  vcpus: z.number().int().positive().optional(),
  measuredAt: z.string(),
  /**
   * Why the bench does not vouch for this rate (other work shared the machine while it measured): kept in the
   * file for the record, never used for an estimate.
   */
  untrusted: z.string().optional(),
});
export type MeasuredRate = z.infer<typeof measuredRateSchema>;
export const ratesFileSchema = z.array(measuredRateSchema);

/**
 * The rates of a rates file an estimate may use, and a line saying what it left out: a file that is not JSON
 * or not a list (every rate), entries that are not rates (a negative or zero time, a missing field) and rates
 * the bench marked untrusted. What is left out counts as unmeasured; nothing here throws.
 */
export function usableRates(text: string): { rates: MeasuredRate[]; leftOut?: string } {
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch (error) {
    return { rates: [], leftOut: `not JSON (${(error as Error).message}); no rate is used` };
  }
  if (!Array.isArray(entries)) return { rates: [], leftOut: 'not a list of rates; no rate is used' };
  const rates: MeasuredRate[] = [];
  const invalid: string[] = [];
  const untrusted: string[] = [];
  entries.forEach((entry: unknown, index) => {
    const parsed = measuredRateSchema.safeParse(entry);
    const name = (entry as { case?: unknown } | null)?.case;
    const where = `entry ${index + 1}${typeof name === 'string' ? ` (${name})` : ''}`;
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      invalid.push(`${where}: ${issue?.path.join('.') || 'the entry'}: ${issue?.message}`);
    } else if (parsed.data.untrusted !== undefined) untrusted.push(where);
    else rates.push(parsed.data);
  });
  const parts = [
    ...(invalid.length > 0 ? [`${invalid.length} invalid (${invalid.join('; ')})`] : []),
    ...(untrusted.length > 0
      ? [`${untrusted.length} marked untrusted by the bench (${untrusted.join(', ')})`]
      : []),
  ];
  return parts.length === 0 ? { rates } : { rates, leftOut: `${parts.join(' and ')}: counted as unmeasured` };
}

export interface WallTimeEstimate {
  /** Every run at its max epochs: an upper bound, since early stopping ends most runs well before. */
  maxSeconds: number;
  /** Runs with no measured rate for their engine, model and attack: not in maxSeconds. */
  unratedRuns: number;
  /** The rates used, so the estimate names the machine, engine and backend it stands for. */
  ratesUsed: MeasuredRate[];
}

/**
 * Wall time of a sweep's runs from measured rates. The model: a model-epoch's time is proportional to its
 * arithmetic, training samples x features x gradient passes, so a run takes the rate measured for its engine,
 * model and kind of attack (the one measured at the nearest feature count), scaled by that product's ratio;
 * its final evaluation takes the measured one scaled by balanced test samples x features. Both engines'
 * measured rates already use every core of the bench machine, so runs add up rather than overlap.
 */
export function estimateWallTime(
  runs: readonly RunSpec[],
  rates: readonly MeasuredRate[],
  engineOf: (run: RunSpec) => EngineName,
): WallTimeEstimate {
  let maxSeconds = 0;
  let unratedRuns = 0;
  const used = new Set<MeasuredRate>();
  for (const run of runs) {
    const estimate = estimateRunSeconds(run, rates, engineOf(run));
    if (!estimate) {
      unratedRuns += 1;
      continue;
    }
    used.add(estimate.rate);
    maxSeconds += estimate.seconds;
  }
  return { maxSeconds, unratedRuns, ratesUsed: [...used] };
}

/**
 * One run's bound on `engine` (estimateWallTime's model), with the rate it comes from; undefined when no rate
 * was measured for its engine, model and kind of attack.
 */
export function estimateRunSeconds(
  run: RunSpec,
  rates: readonly MeasuredRate[],
  engine: EngineName,
): { seconds: number; rate: MeasuredRate } | undefined {
  const features = featureCount(featureShapeOf(run.dataset));
  // Of the matching rates, the one measured at the nearest feature count (fixed costs do not scale).
  const rate = rates
    .filter((r) => r.engine === engine && r.model === run.model && r.attack === modeKindOf(run.mode).name)
    .sort((a, b) => Math.abs(Math.log(a.features / features)) - Math.abs(Math.log(b.features / features)))[0];
  if (!rate) return undefined;
  const trainSamples = run.dataset.sizes.train + Math.floor(run.dataset.sizes.train / run.dataset.R);
  const work =
    (trainSamples * features * gradientPassesPerSample(run.mode)) /
    (rate.trainSamples * rate.features * rate.gradientPasses);
  const evaluationWork = (2 * run.dataset.sizes.test * features) / (rate.evaluationSamples * rate.features);
  const seconds =
    (rate.msPerModelEpoch * work * run.maxEpochs + rate.msPerRunEvaluation * evaluationWork) / 1000;
  return { seconds, rate };
}

/**
 * The same bound for a GPU queue: every run on the GPU queue's engine (gpuQueueEngine: cuda, which a GPU job
 * chooses for every run it trains, choose.ts), from cuda rates alone, since a CPU rate says nothing of a GPU. `measured` is false while
 * bench/rates.json holds no cuda rate (bench/gpu-check.sh measures one on a GPU machine): then there is no
 * estimate rather than an invented one. Runs cuda cannot train, or with no cuda rate for their model and
 * attack, are unrated.
 */
export function estimateGpuWallTime(
  runs: readonly RunSpec[],
  rates: readonly MeasuredRate[],
): WallTimeEstimate & { measured: boolean } {
  const engine = gpuQueueEngine();
  const gpuRates = rates.filter((r) => r.engine === engine);
  return { ...estimateWallTime(runs, gpuRates, () => engine), measured: gpuRates.length > 0 };
}

/**
 * A duration bound as whole hours and minutes, rounded up to the next minute so it stays an upper bound;
 * the rounding carries into the hours ("1 h 0 min", never "0 h 60 min").
 */
export function formatHoursMinutes(seconds: number): string {
  const totalMinutes = Math.ceil(seconds / 60);
  return `${Math.floor(totalMinutes / 60)} h ${totalMinutes % 60} min`;
}
