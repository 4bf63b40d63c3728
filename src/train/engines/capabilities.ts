import { ValidationError } from '../../errors.js';
import type { EngineDescriptor } from '../engine.js';
import type { RunSpec } from '../run-spec.js';
import { ENGINES, type EngineEntry, type EngineName } from './table.js';

// What planning asks of the engine table (names, what each trains), without loading an engine.

/** The engines' names in the table's order: the values of `--engine` and of a sweep file's `engine`. */
export function engineNames(): EngineName[] {
  return ENGINES.map((engine) => engine.name);
}

/** The table's descriptor of engine `name`. */
export function engineNamed(name: EngineName): EngineEntry {
  const engine = ENGINES.find((e) => e.name === name);
  if (!engine) throw new Error(`no engine '${name}' in the engine table`);
  return engine;
}

/** Why `engine` cannot train some run of `runs` exactly (the first such run's reason), or undefined. */
export function unsupportedRun(engine: EngineDescriptor, runs: readonly RunSpec[]): string | undefined {
  for (const run of runs) {
    const reason = engine.unsupported(run);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/** A user's explicit engine must train every run exactly: a user error, caught before anything trains. */
export function assertEngineTrains(name: EngineName | undefined, runs: readonly RunSpec[]): void {
  if (name === undefined) return;
  const reason = unsupportedRun(engineNamed(name), runs);
  if (reason !== undefined) throw new ValidationError('engine', reason);
}

/**
 * The engine a cell of `runs` gets on a machine without a GPU engine (choose.ts), for plans: the first of the
 * table that trains on the CPUs and trains every run exactly (linear-cpu, mlp-cpu, else tfjs, which trains
 * everything).
 */
export function cpuEngineFor(runs: readonly RunSpec[]): EngineName {
  const engine = ENGINES.find((e) => e.devices.includes('cpu') && unsupportedRun(e, runs) === undefined);
  if (!engine) throw new Error('no engine of the table trains these runs on the CPUs');
  return engine.name;
}

/**
 * The engine a GPU queue's jobs train with (choose.ts picks it first for what it trains): the first of the
 * table that trains on a GPU; the wall-time bound of a GPU queue rests on its rates.
 */
export function gpuQueueEngine(): EngineName {
  const engine = ENGINES.find((e) => e.devices.includes('gpu'));
  if (!engine) throw new Error('no engine of the table trains on a GPU');
  return engine.name;
}
