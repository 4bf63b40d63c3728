import { Random, TrainingStream } from '../random.js';
import { epochBatches } from './batches.js';
import { initLinear } from './init.js';
import { MLP_HIDDEN } from './protocol.js';
import { modeKindOf, type RunSpec } from './run-spec.js';

/**
 * What every stacked cell (tfjs/stacked-cell.ts's StackedCell, the cuda engine's CudaCell) does the same way, in
 * plain data: which runs stack, the models' initial weights and each step's batch indices. Sharing it (and the
 * epoch driver, epoch-driver.ts) is what makes the two start, batch and stop every run identically.
 */

/**
 * Whether a stacked cell trains `run` exactly as the one-run path (RunCell in tfjs/engine.ts) would: the linear
 * model or the MLP, any optimiser and attack, the clean objective, adgap's fidelity (reference fidelity's
 * batch-mean validation loss and PyTorch-like gradients are the one-run path's only). The reference objective
 * is not stacked because its leaked gradients need a parameter backward pass per attack gradient; VGG11 is not,
 * because batch norm's statistics would need a per-model train/eval split of every layer.
 */
export function stackable(run: RunSpec): boolean {
  return (
    (run.model === 'linear' || run.model === 'mlp') &&
    run.fidelity === 'adgap' &&
    (!modeKindOf(run.mode).adversarial || run.objective === 'clean')
  );
}

/** Runs that can share one stacked program: same model, mode, optimiser and batch size (so the same batch count). */
export function stackableGroups(runs: readonly RunSpec[]): RunSpec[][] {
  const groups = new Map<string, RunSpec[]>();
  for (const run of runs) {
    const key = JSON.stringify([run.model, run.mode, run.optimizer, run.batchSize]);
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()];
}

/** The layer widths of a stackable model: d -> 2, or the MLP's d -> 200 -> 2. */
export function layerWidths(run: RunSpec, d: number): number[] {
  return run.model === 'mlp' ? [d, MLP_HIDDEN, 2] : [d, 2];
}

/**
 * Every parameter of M models stacked, in PyTorch's parameters() order (weight [M, in, out], bias [M, 1, out]
 * per layer): each run's layers drawn from its own init stream, in order, exactly as models.ts does.
 */
export function stackedInitialParameters(
  runs: readonly RunSpec[],
  widths: readonly number[],
): Float32Array[] {
  const M = runs.length;
  const layers = widths.length - 1;
  const inits = runs.map((r) => {
    const random = Random.stream(r.seed, TrainingStream.init);
    return Array.from({ length: layers }, (_, l) =>
      initLinear(widths[l] as number, widths[l + 1] as number, random),
    );
  });
  return Array.from({ length: layers }).flatMap((_, l) => {
    const inputs = widths[l] as number;
    const outputs = widths[l + 1] as number;
    const weights = new Float32Array(M * inputs * outputs);
    const biases = new Float32Array(M * outputs);
    inits.forEach((init, m) => {
      weights.set(init[l]?.weight as Float32Array, m * inputs * outputs);
      biases.set(init[l]?.bias as Float32Array, m * outputs);
    });
    return [weights, biases];
  });
}

/**
 * One epoch's steps: per step, the M models' batches concatenated (model-major). Runs that share a seed share
 * their permutation (protocol.md), drawn once per seed from that seed's batch stream.
 */
export function epochSteps(
  runs: readonly RunSpec[],
  batchStreams: ReadonlyMap<number, Random>,
  trainCount: number,
): Int32Array[] {
  const batchSize = (runs[0] as RunSpec).batchSize;
  const bySeed = new Map(
    [...batchStreams].map(([seed, random]) => [seed, epochBatches(trainCount, batchSize, random)]),
  );
  return Array.from({ length: Math.ceil(trainCount / batchSize) }, (_, b) =>
    Int32Array.from(runs.flatMap((r) => [...(bySeed.get(r.seed)?.[b] ?? [])])),
  );
}

/** One batch stream per distinct seed of the cell. */
export function cellBatchStreams(runs: readonly RunSpec[]): Map<number, Random> {
  return new Map(runs.map((r) => [r.seed, Random.stream(r.seed, TrainingStream.batches)]));
}
