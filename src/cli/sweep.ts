import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { Document, isScalar, parse as parseYaml, visit } from 'yaml';
import { DATASET_GROUPS, type DatasetGroup } from '../datasets/types.js';
import { ValidationError } from '../errors.js';
import { listSweeps } from '../results/status.js';
import { readImageSource } from '../sources/image-source.js';
import { LocalFolderStore } from '../store/local-folder.js';
import { openStore } from '../store/open-store.js';
import { resolveAutoRadii } from '../sweep/auto-radii.js';
import { expandRuns } from '../sweep/expand.js';
import { assertDatasetsFit, datasetMemory, formatBytes, type MemoryTarget } from '../sweep/job-memory.js';
import { type PlanSummary, summarisePlan } from '../sweep/plan-summary.js';
import { ALL_GROUPS, PRESETS, paperPreset } from '../sweep/presets.js';
import { parseSweepFile, type SweepFile } from '../sweep/schema.js';
import { sweepId } from '../sweep/sweep-id.js';
import {
  estimateGpuWallTime,
  estimateWallTime,
  formatHoursMinutes,
  type MeasuredRate,
  usableRates,
  type WallTimeEstimate,
} from '../sweep/wall-time.js';
import { cpuEngineFor } from '../train/engines/capabilities.js';
import type { EngineName } from '../train/engines/table.js';
import { FIDELITIES, type Fidelity, OBJECTIVES, type Objective } from '../train/modes.js';
import { vgg11Takes } from '../train/protocol.js';
import { modeId, type RunSpec } from '../train/run-spec.js';
import { batchTarget, machineTarget } from './memory.js';
import { ENGINE_OPTION, positiveInteger, STORE_OPTION } from './options.js';
import { batchCostLines, PRICES_OPTION, readPriceTable } from './price-lines.js';
import { runSweep } from './run-sweep.js';
import {
  assertRunnerOptions,
  createRunner,
  jobMemoryTarget,
  RUNNER_OPTIONS,
  RUNNERS,
  type RunnerOptions,
} from './runners.js';
import { sweepCancelCommand } from './sweep-cancel.js';
import { sweepStatusCommand } from './sweep-status.js';

interface PlanOptions {
  store: string;
  runner?: RunnerOptions['runner'];
  queue?: RunnerOptions['queue'];
  prices?: string;
}

export async function readSweepFile(path: string): Promise<SweepFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ValidationError('sweep file', `cannot read '${path}'`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ValidationError(
      'sweep file',
      `'${path}' is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  return parseSweepFile(parsed);
}

export function sweepCommand(): Command {
  const sweep = new Command('sweep').description('validate, run and inspect sweeps');
  sweep
    .command('run')
    .description(
      'train every run of a sweep file that has no result yet, then print the report (with --runner batch: submit the jobs and print their ids)',
    )
    .argument('<sweep.yaml>', 'sweep file (see README: sweep file reference)')
    .option(...STORE_OPTION)
    .addOption(RUNNER_OPTIONS.runner())
    .addOption(RUNNER_OPTIONS.concurrency())
    .option(
      '--chunk-size <n>',
      'runs per job when the sweep is first planned (default: a whole cell; batch: 8)',
      positiveInteger('--chunk-size'),
    )
    .addOption(RUNNER_OPTIONS.queue())
    .addOption(RUNNER_OPTIONS.outputs())
    .option(...ENGINE_OPTION)
    .action(
      async (
        file: string,
        options: RunnerOptions & { store: string; chunkSize?: number; engine?: EngineName },
      ) => {
        const definition = await readSweepFile(file);
        const store = openStore(options.store);
        assertRunnerOptions(options);
        const sweep = options.engine ? { ...definition, engine: options.engine } : definition;
        assertDatasetsFit(sweep, await jobMemoryTarget(options));
        await runSweep({ store, sweep, runner: await createRunner(options), chunkSize: options.chunkSize });
      },
    );
  sweep
    .command('init')
    .description(
      "write a preset's sweep file (paper: the reference's grid for one dataset group, or all six in one sweep)",
    )
    .addOption(new Option('--preset <name>', 'preset').choices(PRESETS).makeOptionMandatory())
    .addOption(
      new Option('--dataset <group>', 'dataset group, or all')
        .choices([...DATASET_GROUPS, ALL_GROUPS])
        .makeOptionMandatory(),
    )
    .addOption(new Option('--fidelity <fidelity>', 'adgap or the reference quirks').choices(FIDELITIES))
    .addOption(
      new Option(
        '--objective <objective>',
        "default: the fidelity's (clean for adgap, reference for reference)",
      ).choices(OBJECTIVES),
    )
    .option('-o, --output <file>', 'write here instead of stdout (never overwrites)')
    .action(
      async (options: {
        dataset: DatasetGroup | typeof ALL_GROUPS;
        fidelity?: Fidelity;
        objective?: Objective;
        output?: string;
      }) => {
        const preset = paperPreset(options.dataset, {
          fidelity: options.fidelity,
          objective: options.objective,
        });
        const text = `${presetHeader(options.dataset)}${presetYaml(preset)}`;
        if (!options.output) {
          process.stdout.write(text);
          return;
        }
        try {
          await writeFile(options.output, text, { flag: 'wx' });
        } catch {
          throw new ValidationError(
            '--output',
            `cannot create '${options.output}' (it exists or its folder does not)`,
          );
        }
        process.stderr.write(`wrote ${options.output}\n`);
      },
    );

  sweep
    .command('plan')
    .description('print how many runs a sweep file has, what it costs in model-epochs, and its first runs')
    .argument('<sweep.yaml>', 'sweep file')
    .option(...STORE_OPTION)
    .addOption(
      new Option('--runner <runner>', 'batch: also print what the sweep costs on AWS Batch').choices(RUNNERS),
    )
    .addOption(RUNNER_OPTIONS.queue())
    .option(...PRICES_OPTION)
    .addHelpText(
      'after',
      "\n'eps: auto' radii come from the datasets' class means: plan prepares the datasets the store lacks, as sweep run would.",
    )
    .action(async (file: string, options: PlanOptions) => {
      assertRunnerOptions({ runner: options.runner ?? 'local', queue: options.queue });
      const definition = await readSweepFile(file);
      const table = options.runner === 'batch' ? await readPriceTable(options.prices) : undefined;
      const id = sweepId(definition);
      const store = openStore(options.store);
      // The jobs' target: a Batch job of the queue priced with --runner batch; else this machine for a folder
      // store, a Batch job (the larger, GPU definition) for S3.
      const target =
        options.runner === 'batch'
          ? batchTarget(options.queue ?? 'gpu')
          : store instanceof LocalFolderStore
            ? machineTarget()
            : batchTarget('gpu');
      assertDatasetsFit(definition, target);
      const runs = expandRuns(definition, await resolveAutoRadii(store, definition, readImageSource));
      // The engine each job would choose on a CPU machine (choose.ts; the plan does not probe for a GPU).
      const engineOf = (run: RunSpec): EngineName => definition.engine ?? cpuEngineFor([run]);
      const rates = await readMeasuredRates();
      const wallTime = rates && estimateWallTime(runs, rates, engineOf);
      const gpuWallTime = rates && estimateGpuWallTime(runs, rates);
      const plan = formatPlan(id, summarisePlan(id, runs), definition, wallTime, gpuWallTime);
      process.stdout.write(`${plan}\n${formatMemory(definition, target)}\n`);
      if (table !== undefined) {
        const cost = batchCostLines({
          sweepId: id,
          runs,
          rates,
          queue: options.queue ?? 'gpu',
          table,
          pricesFile: options.prices,
          cpuEngineOf: engineOf,
        });
        process.stdout.write(`${cost.join('\n')}\n`);
      }
    });

  sweep
    .command('list')
    .description("the store's sweeps, newest first, with their progress")
    .option(...STORE_OPTION)
    .action(async (options: { store: string }) => {
      const store = openStore(options.store);
      const { sweeps, unreadable } = await listSweeps(store);
      const lines = sweeps.map(
        (s) =>
          `${s.sweepId}  created ${s.createdAt}  ${s.runs.done}/${s.runs.total} finished, ${s.runs.failed} failed`,
      );
      if (lines.length > 0 || unreadable.length === 0)
        process.stdout.write(
          `${lines.length === 0 ? `no sweeps in store ${store.uri}` : lines.join('\n')}\n`,
        );
      // The others are listed; each unreadable one is named on stderr, and the exit status says one was skipped.
      for (const u of unreadable)
        process.stderr.write(`adgap: skipped sweep ${u.sweepId}: ${u.key} ${u.reason}\n`);
      if (unreadable.length > 0) process.exitCode = 1;
    });
  sweep.addCommand(sweepStatusCommand());
  sweep.addCommand(sweepCancelCommand());
  return sweep;
}

/** The largest dataset's arrays and the memory a job holding it needs, beside what a job has. */
function formatMemory(definition: SweepFile, target: MemoryTarget): string {
  const largest = datasetMemory(definition).reduce((a, b) => (b.bytes > a.bytes ? b : a));
  return `memory: the largest dataset, ${largest.ref.group} at R ${largest.ref.R}, is ${formatBytes(largest.bytes)} of arrays; a job holding it needs about ${formatBytes(largest.neededBytes)} of the ${formatBytes(target.bytesPerJob)} it has (${target.description})`;
}

/** Lists of numbers on one line (`R: [1, 2, 5, 10]`), shared lists written out rather than as YAML aliases. */
function presetYaml(preset: Record<string, unknown>): string {
  const document = new Document(preset, { aliasDuplicateObjects: false });
  visit(document, {
    Seq(_, node) {
      if (node.items.every(isScalar)) node.flow = true;
    },
  });
  return document.toString({ flowCollectionPadding: false });
}

function presetHeader(group: DatasetGroup | typeof ALL_GROUPS): string {
  if (group === ALL_GROUPS)
    return "# The reference's whole grid (Hu et al., ICML 2023; see protocol.md): the six groups of figure 1, each with its own radii,\n# model and optimiser. 6,360 runs; `adgap paper` trains it and prints the plan per group. Every value is a parameter.\n";
  const appendix = vgg11Takes(group) ? '# model: vgg11 gives the appendix runs.\n' : '';
  return `# The reference's grid for ${group} (Hu et al., ICML 2023; see protocol.md). Every value is a parameter.\n${appendix}`;
}

const RATES_FILE = new URL('../../bench/rates.json', import.meta.url);

/**
 * The rates `npm run bench` measured on this checkout's machine, or undefined when there are none to use. What
 * the file holds that is not a usable rate (usableRates) is counted as unmeasured, with one warning naming the
 * file.
 */
export async function readMeasuredRates(
  file: URL | string = RATES_FILE,
): Promise<MeasuredRate[] | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const { rates, leftOut } = usableRates(text);
  if (leftOut)
    process.stderr.write(`warning: ${file instanceof URL ? fileURLToPath(file) : file}: ${leftOut}\n`);
  return rates.length > 0 ? rates : undefined;
}

export function formatWallTime(estimate: WallTimeEstimate | undefined): string {
  if (!estimate) return 'wall time: no measured rates here (run `npm run bench` to measure this machine)';
  if (estimate.ratesUsed.length === 0)
    return `wall time: no estimate, none of the ${estimate.unratedRuns} runs has a measured rate (\`npm run bench\` measures the engines' rates on this machine)`;
  const measured = [
    ...new Set(estimate.ratesUsed.map((r) => `${r.engine} on ${r.backend}, ${r.measuredAt.slice(0, 10)}`)),
  ];
  const unrated =
    estimate.unratedRuns > 0
      ? `; ${estimate.unratedRuns} runs have no measured rate and are not counted`
      : '';
  return `wall time: at most ${formatHoursMinutes(estimate.maxSeconds)} on the machine \`npm run bench\` measured (${measured.join('; ')})${unrated}`;
}

/** The GPU queue's bound (estimateGpuWallTime), or that the cuda engine's rate is unmeasured. */
function formatGpuWallTime(estimate: ReturnType<typeof estimateGpuWallTime> | undefined): string {
  if (!estimate?.measured)
    return "GPU queue: no estimate, the cuda engine's rate is unmeasured (bench/gpu-check.sh on a GPU machine measures it; docs/performance.md)";
  if (estimate.ratesUsed.length === 0)
    return "GPU queue: no estimate, no cuda rate was measured for these runs' models and attacks";
  const measured = [
    ...new Set(estimate.ratesUsed.map((r) => `${r.engine} on ${r.backend}, ${r.measuredAt.slice(0, 10)}`)),
  ];
  const unrated =
    estimate.unratedRuns > 0
      ? `; ${estimate.unratedRuns} runs have no measured GPU rate and are not counted`
      : '';
  return `GPU queue: at most ${formatHoursMinutes(estimate.maxSeconds)} on one GPU (${measured.join('; ')})${unrated}`;
}

function formatPlan(
  id: string,
  plan: PlanSummary,
  definition: SweepFile,
  wallTime: WallTimeEstimate | undefined,
  gpuWallTime: ReturnType<typeof estimateGpuWallTime> | undefined,
): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const lines = [
    `sweep: ${id}`,
    `runs: ${n(plan.runCount)} in ${n(plan.jobCount)} jobs`,
    `cost: at most ${n(plan.maxModelEpochs)} model-epochs (runs x max epochs); ${n(plan.maxGradientPassEpochs)} counting an attack's gradient passes`,
    formatWallTime(wallTime),
    formatGpuWallTime(gpuWallTime),
    definition.patience < definition.epochs
      ? `  early stopping (patience ${definition.patience}) ends most runs well before ${definition.epochs} epochs, so expect a fraction of these`
      : `  patience ${definition.patience} >= ${definition.epochs} epochs: early stopping never ends a run early, every run trains all ${definition.epochs} epochs`,
    `first ${plan.firstRuns.length} runs:`,
  ];
  for (const r of plan.firstRuns) {
    // An `eps: auto` mode's id names its factor; the radius it resolved to is what the run trains at.
    const radius = r.mode.kind === 'adversarial' && r.mode.auto ? ` (eps ${r.mode.eps.toPrecision(4)})` : '';
    lines.push(
      `  ${r.runId}  model ${r.model}, ${r.optimizer}, lr ${r.learningRate}, seed ${r.seed}, ${modeId(r.mode)}${radius}, objective ${r.objective}, fidelity ${r.fidelity}`,
    );
  }
  return lines.join('\n');
}
