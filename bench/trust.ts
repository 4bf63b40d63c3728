/**
 * The bench's rules for what it may claim (bench/run.ts; docs/performance.md, "How the bench decides what to
 * trust"): pure functions over its measurements, so each rule is tested (test/bench/trust.test.ts).
 */
import type { MeasuredRate } from '../src/sweep/wall-time.js';

/** At most this share of the extra epochs' time may be repeat-to-repeat spread for a rate to be trusted. */
export const MAX_NOISE_SHARE = 0.2;
/** At most this share of the cores' time may go to other processes for a sitting to count as quiet. */
export const MAX_OTHER_WORK_SHARE = 0.1;

const rounded = (x: number, digits = 3) => Number(x.toPrecision(digits));
const range = (xs: readonly number[]) => Math.max(...xs) - Math.min(...xs);

/** Wall (or CPU) milliseconds of repeated calls training a cell for one epoch and for 1 + extraEpochs. */
export interface CellTimings {
  oneEpochMs: readonly number[];
  manyEpochsMs: readonly number[];
  models: number;
  extraEpochs: number;
}

export type EpochRate =
  | { trusted: true; msPerModelEpoch: number; noiseShare: number }
  | { trusted: false; msPerModelEpoch: number; noiseShare: number; reason: string };

/**
 * A cell's milliseconds per model-epoch: the fastest long call minus the fastest short one, over the extra
 * model-epochs (fixed costs - starting workers, each run's final evaluation - cancel). Trusted only when the
 * difference is positive and stands out of the noise: the spread of the repeats (the slowest minus the fastest
 * of each call, what a disturbance can add to either end) at most MAX_NOISE_SHARE of it.
 */
export function epochRate(t: CellTimings): EpochRate {
  const one = Math.min(...t.oneEpochMs);
  const many = Math.min(...t.manyEpochsMs);
  const difference = many - one;
  const noise = range(t.oneEpochMs) + range(t.manyEpochsMs);
  const msPerModelEpoch = difference / (t.models * t.extraEpochs);
  const noiseShare = difference > 0 ? noise / difference : Number.POSITIVE_INFINITY;
  if (difference <= 0)
    return {
      trusted: false,
      msPerModelEpoch,
      noiseShare,
      reason: `${1 + t.extraEpochs} epochs took no longer than 1 (${rounded(many)} against ${rounded(one)} ms)`,
    };
  if (noiseShare > MAX_NOISE_SHARE)
    return {
      trusted: false,
      msPerModelEpoch,
      noiseShare,
      reason: `the repeats spread by ${rounded(noise)} ms, ${Math.round(100 * noiseShare)}% of the ${rounded(difference)} ms the extra epochs took (at most ${100 * MAX_NOISE_SHARE}% is trusted)`,
    };
  return { trusted: true, msPerModelEpoch, noiseShare };
}

/** Busy and total CPU time of the machine (/proc/stat) and this process's own with its children's, in ticks. */
export interface CpuSnapshot {
  machineBusy: number;
  machineTotal: number;
  own: number;
}

/**
 * The share of the machine's CPU time between two snapshots that went to other processes (and, in a VM, to
 * other guests: steal counts as busy): what makes a sitting's figures say more about the neighbours than
 * about the code.
 */
export function otherWorkShare(before: CpuSnapshot, after: CpuSnapshot): number {
  const total = after.machineTotal - before.machineTotal;
  if (total <= 0) return 0;
  const other = after.machineBusy - before.machineBusy - (after.own - before.own);
  return Math.min(1, Math.max(0, other / total));
}

/** /proc/stat's first line: "cpu  user nice system idle iowait irq softirq steal guest guest_nice". */
export function machineTicks(procStat: string): Pick<CpuSnapshot, 'machineBusy' | 'machineTotal'> {
  const fields = (procStat.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  // guest time is already inside user and nice.
  const busy = user + nice + system + irq + softirq + steal;
  return { machineBusy: busy, machineTotal: busy + idle + iowait };
}

/** /proc/<pid>/stat's utime, stime, cutime and cstime (fields 14-17; the command name may hold spaces). */
export function processTicks(procPidStat: string): number {
  const fields = procPidStat
    .slice(procPidStat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  // Field 3 (state) is fields[0] here, so utime (field 14) is fields[11].
  return (fields[11] ?? 0) + (fields[12] ?? 0) + (fields[13] ?? 0) + (fields[14] ?? 0);
}

/** The BLAS a PyTorch process computed its products with, as bench/torch_peer.py finds it. */
export interface PeerBlas {
  kind: 'openblas' | 'mkl' | 'blis' | 'reference' | 'unknown';
  /** The library file, or torch's build information where the BLAS is linked into torch. */
  library: string;
}

/** Whether a ratio to a peer on this BLAS says anything about adgap: only an optimised BLAS is a fair peer. */
export function fairPeer(blas: PeerBlas): { fair: true } | { fair: false; reason: string } {
  if (blas.kind === 'openblas' || blas.kind === 'mkl' || blas.kind === 'blis') return { fair: true };
  return {
    fair: false,
    reason:
      blas.kind === 'reference'
        ? `PyTorch runs on the reference BLAS (${blas.library}), an order of magnitude slower than an optimised one: no ratio is printed (Debian: apt-get install libopenblas0-pthread)`
        : `PyTorch's BLAS is not recognised (${blas.library}): no ratio is printed`,
  };
}

/**
 * Multiply-adds per model-epoch of the cases' models, as both sides compute them: per training sample, a
 * forward pass and an input gradient per attack step (FGSM/FGM: 1, PGD: its steps), then a forward pass and
 * the weights' gradient, each a d x width product (width: the MLP's 200 hidden units, the linear model's 2
 * classes; the MLP's 200 -> 2 output layer is left out, under 1%); per validation sample a forward pass, and under
 * adversarial training the validation loss under the training attack too (the epoch driver's, for the robust-val
 * selection rule): a forward pass and an input gradient per attack step, then a forward pass.
 */
export function multiplyAddsPerModelEpoch(c: {
  features: number;
  width: number;
  trainSamples: number;
  validationSamples: number;
  gradientPasses: number;
}): number {
  const product = c.features * c.width;
  const attackSteps = c.gradientPasses - 1;
  const validationProducts = attackSteps > 0 ? 2 * attackSteps + 2 : 1;
  return (c.trainSamples * 2 * c.gradientPasses + c.validationSamples * validationProducts) * product;
}

/**
 * bench/rates.json after a sitting: the previous rates, each replaced by this sitting's rate of the same case
 * and engine, except that an untrusted rate (marked `untrusted`, from a sitting that was not quiet) never
 * replaces a trusted one; cuda rates and rates of cases not rerun are kept.
 */
export function mergeRates(
  previous: readonly MeasuredRate[],
  measured: readonly MeasuredRate[],
): MeasuredRate[] {
  const same = (a: MeasuredRate, b: MeasuredRate) => a.case === b.case && a.engine === b.engine;
  const replacing = measured.filter((m) => {
    const old = previous.find((p) => same(p, m));
    return !(m.untrusted !== undefined && old !== undefined && old.untrusted === undefined);
  });
  return [...previous.filter((p) => !replacing.some((m) => same(p, m))), ...replacing];
}
