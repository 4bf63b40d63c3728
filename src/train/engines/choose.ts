import { AdgapError } from '../../errors.js';
import type { Engine, EngineProbe } from '../engine.js';
import type { RunSpec } from '../run-spec.js';
import { assertEngineTrains, engineNamed, unsupportedRun } from './capabilities.js';
import { ENGINES, type EngineEntry, type EngineName } from './table.js';

export interface EngineChoice {
  /**
   * Probes that replace engines' own, by engine name: the job entry point probes cuda's addon where
   * ADGAP_CUDA_ADDON says it is; tests describe machines that are not this one.
   */
  probes?: Partial<Record<EngineName, () => Promise<EngineProbe>>>;
  /**
   * Told why an engine that would train every run of the cell cannot run here, where its probe says that is
   * worth telling (a cuda addon built for this machine without a usable GPU; never a missing one).
   */
  onUnusable?: (engine: EngineName, problem: string) => void;
}

/** Each engine's probe (or its replacement), asked at most once per choice. */
function probing(probes: EngineChoice['probes'] = {}): (engine: EngineEntry) => Promise<EngineProbe> {
  const asked = new Map<string, Promise<EngineProbe>>();
  return (engine) => {
    let probe = asked.get(engine.name);
    if (!probe) {
      probe = probes[engine.name]?.() ?? engine.probe();
      asked.set(engine.name, probe);
    }
    return probe;
  };
}

/**
 * The engine of a job (one cell), from the engine table (table.ts): the sweep's explicit choice, which must train
 * every run exactly and run here; else the first engine that trains every run exactly on a GPU here (cuda when
 * its addon runs on a GPU, else tfjs where tfjs-node-gpu loads); else the first that trains every run exactly on
 * the CPUs (linear-cpu, mlp-cpu: several times faster than tfjs there, see docs/performance.md; else tfjs, which
 * trains everything). An engine's modules load only here, once it is chosen.
 */
export async function createEngine(
  runs: readonly RunSpec[],
  requested: EngineName | undefined,
  choice: EngineChoice = {},
): Promise<Engine> {
  const probe = probing(choice.probes);
  if (requested !== undefined) {
    assertEngineTrains(requested, runs);
    const engine = engineNamed(requested);
    const found = await probe(engine);
    if (found.runs === 'no') throw new AdgapError(`engine: ${requested} cannot run here: ${found.problem}`);
    return engine.create(found.found);
  }
  for (const device of ['gpu', 'cpu'] as const) {
    for (const engine of ENGINES) {
      if (!engine.devices.includes(device) || unsupportedRun(engine, runs) !== undefined) continue;
      const found = await probe(engine);
      if (found.runs === device) return engine.create(found.found);
      if (device === 'gpu' && found.runs === 'no' && found.tell)
        choice.onUnusable?.(engine.name, found.problem);
    }
  }
  throw new Error('no engine of the table trains these runs here');
}

/** The GPU engine that trains every run of a set here, unasked, and what it runs on; or every reason why none does. */
export type GpuEngineAnswer =
  | { engine: EngineName; where: string }
  | { engine: undefined; reasons: string[] };

/**
 * The GPU engine createEngine gives `runs` here unasked, or each GPU engine's reason why not, in the table's
 * order (a run it cannot train outranks a missing backend): `adgap paper` asks this (through the job entry
 * point, src/cli/job.ts, the one module outside the engines that may load them) before it trains CIFAR-10 here.
 */
export async function gpuEngineHere(
  runs: readonly RunSpec[],
  probes?: EngineChoice['probes'],
): Promise<GpuEngineAnswer> {
  const probe = probing(probes);
  const reasons: string[] = [];
  for (const engine of ENGINES) {
    if (!engine.devices.includes('gpu')) continue;
    const unsupported = unsupportedRun(engine, runs);
    if (unsupported !== undefined) {
      reasons.push(unsupported);
      continue;
    }
    const found = await probe(engine);
    if (found.runs === 'gpu') return { engine: engine.name, where: found.where };
    reasons.push(found.problem ?? `${engine.name} does not train on a GPU here`);
  }
  return { engine: undefined, reasons };
}
