import type { LoadedDataset } from '../datasets/types.js';
import type { ModelWeights } from './kept-weights.js';
import type { Checkpoints, RunMetrics } from './result.js';
import type { RunSpec } from './run-spec.js';

/** What an engine reports for one run; the job adds the sweep, engine and timing facts to make a RunResult. */
export interface TrainedRun {
  epochsRun: number;
  bestEpoch: number;
  metrics: RunMetrics;
  /** Other checkpoints' clean metrics, for the report's other selection rules. */
  checkpoints: Checkpoints;
  /** The weights the metrics were computed from (kept-weights.ts), for the models whose weights are kept. */
  weights?: ModelWeights;
}

/**
 * A run's wall time: its own (`runWallSeconds`: alone, its training; trained together with others, its equal
 * share of every epoch it trained in plus its own evaluation, run-timing.ts) and its group's since the group
 * started (`cellWallSeconds`; the same as the run's when it trained alone).
 */
export interface RunWallTime {
  runWallSeconds: number;
  cellWallSeconds: number;
}

export type RunOutcome =
  | ({ run: RunSpec; trained: TrainedRun } & RunWallTime)
  | { run: RunSpec; error: Error };

/**
 * Trains runs that share one dataset. Engines may train them one at a time or together, but each run's numbers
 * depend only on its own spec. `onOutcome` is awaited for every run as soon as it ends, so results are stored
 * while the rest train; `signal` asks the engine to stop between steps (runs not finished get no outcome).
 */
export interface Engine<Name extends string = string> {
  /** Its descriptor's name (engines/table.ts). */
  readonly name: Name;
  readonly backend: string;
  train(
    runs: readonly RunSpec[],
    data: LoadedDataset,
    onOutcome: (outcome: RunOutcome) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<void>;
}

/** Where an engine trains. */
export type Device = 'gpu' | 'cpu';

/** What an engine's probe finds on this machine; `found` is what its create() needs. */
export type EngineProbe<Found = unknown> =
  /**
   * It runs here, and the chooser may pick it unasked on `device`; `where` names what it runs on ("cuda (NVIDIA
   * H200 (sm_90))"); `problem`: why an engine that could train on a GPU does not here (tfjs without tfjs-node-gpu).
   */
  | { runs: Device; found: Found; where: string; problem?: string }
  /** It runs here only when asked for: cuda's host build, its kernels as CPU loops, for tests. */
  | { runs: 'when-asked'; found: Found; problem: string }
  /**
   * It cannot run here; `tell`: worth telling whoever runs a job (an addon built for this machine that does not
   * run), where a missing one on a CPU machine is not.
   */
  | { runs: 'no'; problem: string; tell: boolean };

/**
 * An engine as a plug-in: one per folder of src/train/engines, listed once in engines/table.ts. Planning reads
 * its name, devices and `unsupported` without loading it; `probe` may load a backend, and `create` imports the
 * engine's modules (tfjs takes a second to load) only when a job trains with it.
 */
export interface EngineDescriptor<Found = unknown> {
  readonly name: string;
  /** Where it can train at all; its probe says where it does on this machine. */
  readonly devices: readonly Device[];
  /**
   * Why it cannot train `run` exactly as the protocol says, or undefined when it can. An engine must never
   * train something else silently: the chooser passes such runs to the next engine, and an explicit request
   * for this one fails before anything trains.
   */
  unsupported(run: RunSpec): string | undefined;
  probe(): Promise<EngineProbe<Found>>;
  create(found: Found): Promise<Engine>;
}
