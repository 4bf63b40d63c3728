import { ValidationError } from '../errors.js';
import { stackable } from './cell-schedule.js';
import type { EngineName } from './result.js';
import type { RunSpec } from './run-spec.js';

// What each engine trains exactly, beside the Engine interface rather than in an engine's folder: planning
// (sweep run, sweep plan) and the chooser ask here without loading an engine.

/**
 * Why linear-cpu cannot train `run` exactly as the protocol says, or undefined when it can. It must never train
 * something else silently: the chooser sends such runs to tfjs, and an explicit request for linear-cpu fails.
 * Every optimiser, attack and objective of the linear model is implemented (engines/linear-cpu/linear-model.ts).
 */
export function linearCpuUnsupported(run: RunSpec): string | undefined {
  if (run.model !== 'linear')
    return `linear-cpu trains the linear model only (run ${run.runId} uses '${run.model}')`;
  return undefined;
}

/**
 * Why mlp-cpu cannot train `run` exactly, or undefined when it can: every optimiser, attack and objective of
 * the MLP is implemented (engines/mlp-cpu/mlp-model.ts); other models and reference fidelity's quirks are not.
 */
export function mlpCpuUnsupported(run: RunSpec): string | undefined {
  if (run.model !== 'mlp') return `mlp-cpu trains the mlp model only (run ${run.runId} uses '${run.model}')`;
  if (run.fidelity !== 'adgap')
    return `mlp-cpu trains adgap fidelity only (run ${run.runId} asks for '${run.fidelity}'; tfjs implements it)`;
  return undefined;
}

/** Asking linear-cpu for a run it cannot train is a user error, caught before anything trains. */
export function assertLinearCpuRuns(runs: readonly RunSpec[]): void {
  assertTrains(runs, linearCpuUnsupported);
}

/** Asking mlp-cpu for a run it cannot train is a user error, caught before anything trains. */
export function assertMlpCpuRuns(runs: readonly RunSpec[]): void {
  assertTrains(runs, mlpCpuUnsupported);
}

function assertTrains(runs: readonly RunSpec[], unsupported: (run: RunSpec) => string | undefined): void {
  for (const run of runs) {
    const reason = unsupported(run);
    if (reason) throw new ValidationError('engine', reason);
  }
}

/** A user's explicit engine must train every run exactly; tfjs trains everything. */
export function assertEngineTrains(engine: EngineName | undefined, runs: readonly RunSpec[]): void {
  if (engine === 'linear-cpu') assertLinearCpuRuns(runs);
  if (engine === 'mlp-cpu') assertMlpCpuRuns(runs);
  if (engine === 'cuda') assertCudaRuns(runs);
}

/**
 * The engine a cell of `runs` gets on a machine without a GPU backend: `linear-cpu` when it trains every run
 * exactly, `mlp-cpu` when that one does; else `tfjs`, which trains everything.
 */
export function cpuEngineFor(runs: readonly RunSpec[]): EngineName {
  if (runs.every((r) => linearCpuUnsupported(r) === undefined)) return 'linear-cpu';
  if (runs.every((r) => mlpCpuUnsupported(r) === undefined)) return 'mlp-cpu';
  return 'tfjs';
}

/**
 * Why the cuda engine cannot train `run` exactly, or undefined when it can: it trains what a stacked cell
 * trains (stackable: the linear model or the MLP, any optimiser and attack, the clean objective, adgap's
 * fidelity).
 */
export function cudaUnsupported(run: RunSpec): string | undefined {
  if (stackable(run)) return undefined;
  if (run.model !== 'linear' && run.model !== 'mlp')
    return `cuda trains the linear model and the MLP only (run ${run.runId} uses '${run.model}')`;
  if (run.fidelity !== 'adgap')
    return `cuda trains adgap's fidelity only (run ${run.runId} uses '${run.fidelity}')`;
  return `cuda trains the clean objective only (run ${run.runId} uses '${run.objective}')`;
}

/** Asking cuda for a run it cannot train is a user error, caught before anything trains. */
export function assertCudaRuns(runs: readonly RunSpec[]): void {
  assertTrains(runs, cudaUnsupported);
}

/**
 * Why tfjs-node-gpu (the `tensorflow` backend) does not load here, or undefined when it loads; loading it
 * registers the backend. Here, without tfjs, so choosing an engine or planning where a sweep can train
 * (`adgap paper`) loads no engine.
 */
export function gpuBackendProblem(): Promise<string | undefined> {
  // A computed specifier keeps bundlers and the type checker from requiring the optional package.
  const gpuPackage = '@tensorflow/tfjs-node-gpu';
  return import(gpuPackage).then(
    () => undefined,
    (error: { code?: string; message?: string }) => {
      const message = String(error.message ?? error);
      if (error.code === 'ERR_MODULE_NOT_FOUND' && message.includes(`'${gpuPackage}'`))
        return `${gpuPackage} is not installed`;
      return `${gpuPackage} does not load: ${message.split('\n')[0]?.trim()}`;
    },
  );
}

/** Whether tfjs-node-gpu loads here (gpuBackendProblem). */
export async function gpuBackendLoads(): Promise<boolean> {
  return (await gpuBackendProblem()) === undefined;
}

/** What a machine offers the GPU engines, as plain data: the cuda addon's GPU and tfjs-node-gpu, or why not. */
export interface GpuOffer {
  /** The device a usable cuda addon runs on, or why there is none ("no cuda addon at ..."). */
  cuda: { device: string } | { problem: string };
  /**
   * Why tfjs-node-gpu does not load (gpuBackendProblem), undefined when it loads; asked only where cuda does
   * not train the runs, so a cuda job never loads TensorFlow's GPU build beside its own kernels.
   */
  tfjsGpuProblem: () => Promise<string | undefined>;
}

/** The GPU engine that trains every run of a set, unasked, or every reason why none does. */
export type GpuEngineAnswer =
  | { engine: 'cuda'; device: string }
  | { engine: 'tfjs' }
  | { engine: undefined; reasons: string[] };

/**
 * Which GPU engine trains `runs` given what the machine offers, as the chooser (engines/choose.ts) picks it
 * unasked: cuda when it trains every run exactly and its addon runs on a GPU, else tfjs when tfjs-node-gpu
 * loads; else the reasons, cuda's first (a run it cannot train outranks a missing addon).
 */
export async function gpuEngineFor(runs: readonly RunSpec[], offer: GpuOffer): Promise<GpuEngineAnswer> {
  const cudaReason =
    runs.map(cudaUnsupported).find((r) => r !== undefined) ??
    ('problem' in offer.cuda ? offer.cuda.problem : undefined);
  if (cudaReason === undefined && 'device' in offer.cuda)
    return { engine: 'cuda', device: offer.cuda.device };
  const tfjsGpuProblem = await offer.tfjsGpuProblem();
  if (tfjsGpuProblem === undefined) return { engine: 'tfjs' };
  const reasons = [cudaReason, tfjsGpuProblem].filter((r): r is string => r !== undefined);
  return { engine: undefined, reasons };
}
