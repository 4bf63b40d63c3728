import { Command, InvalidArgumentError, Option } from 'commander';
import { DATASET_GROUPS, type DatasetGroup } from '../datasets/types.js';
import { hostVariant } from '../runners/docker.js';
import { openStore } from '../store/open-store.js';
import { expandRuns } from '../sweep/expand.js';
import { ALL_GROUPS, paperPreset } from '../sweep/presets.js';
import { parseSweepFile } from '../sweep/schema.js';
import { sweepId } from '../sweep/sweep-id.js';
import { estimateWallTime } from '../sweep/wall-time.js';
import { cpuEngineFor } from '../train/engine-support.js';
import { FIDELITIES, type Fidelity, OBJECTIVES, type Objective, type RunSpec } from '../train/run-spec.js';
import { gpuEngineOfLocalJobs } from './job.js';
import { positiveInteger, STORE_OPTION } from './options.js';
import { groupData, prepareGroup } from './paper-sources.js';
import { batchCostLines, PRICES_OPTION, readPriceTable } from './price-lines.js';
import { runSweep } from './run-sweep.js';
import { createRunner, RUNNERS, type RunnerOptions } from './runners.js';
import { formatWallTime, readMeasuredRates } from './sweep.js';

interface PaperOptions extends RunnerOptions {
  store: string;
  fidelity: Fidelity;
  objective?: Objective;
  groups?: DatasetGroup[];
  plan?: boolean;
  prices?: string;
}

function groupList(value: string): DatasetGroup[] {
  const groups = value.split(',').map((g) => g.trim());
  for (const g of groups) {
    if (!(DATASET_GROUPS as readonly string[]).includes(g))
      throw new InvalidArgumentError(
        `--groups: '${g}' is not a dataset group (${DATASET_GROUPS.join(', ')})`,
      );
  }
  return groups as DatasetGroup[];
}

/**
 * Whether a group trains when this command runs it, and the line that says where, or why not (every reason).
 * CIFAR-10's MLP with 40-50 step PGD needs a GPU engine or the cloud runner: on CPUs its 760 runs take days (the
 * plan prints the bound). Local jobs use the GPU engine a job here would choose (the cuda addon, else
 * tfjs-node-gpu); docker jobs the GPU image, which the docker runner uses where nvidia-smi answers.
 */
async function whereItRuns(
  group: DatasetGroup,
  runs: readonly RunSpec[],
  runner: PaperOptions['runner'],
): Promise<{ runs: boolean; line: string }> {
  const runsNow = (where = '') => ({ runs: true, line: `runs now${where}` });
  if (group !== 'cifar10' || runner === 'batch') return runsNow();
  let reasons: string[];
  if (runner === 'docker') {
    if ((await hostVariant()) === 'gpu') return runsNow(" in the docker runner's GPU image");
    reasons = ["the docker runner's image is the CPU one (nvidia-smi does not answer here)"];
  } else {
    const answer = await gpuEngineOfLocalJobs(runs);
    if (answer.engine === 'cuda') return runsNow(` on cuda (${answer.device})`);
    if (answer.engine === 'tfjs') return runsNow(' on tfjs-node-gpu');
    reasons = answer.reasons;
  }
  return {
    runs: false,
    line: `not run here: ${reasons.join('; ')}; train it with --runner batch, or on a GPU machine with the same --store (the sweep resumes)`,
  };
}

export function paperCommand(): Command {
  return new Command('paper')
    .description(
      "the paper's whole grid (six groups, 6,360 runs) as one sweep: prints the plan per group, trains every group that can train here, then prints the report; run it again to resume",
    )
    .option(...STORE_OPTION)
    .addOption(
      new Option('--fidelity <fidelity>', 'adgap or the reference quirks')
        .choices(FIDELITIES)
        .default('adgap'),
    )
    .addOption(
      new Option(
        '--objective <objective>',
        "default: the fidelity's (clean for adgap, reference for reference)",
      ).choices(OBJECTIVES),
    )
    .option(
      '--groups <list>',
      'train only these groups now (comma-separated); the sweep stays the whole grid',
      groupList,
    )
    .option('--plan', 'print the plan per group and exit')
    .addOption(
      new Option('--runner <runner>', 'where jobs run (see docs/runners.md)')
        .choices(RUNNERS)
        .default('local'),
    )
    .option(
      '--concurrency <n>',
      'local, docker: jobs at once (default: one per core)',
      positiveInteger('--concurrency'),
    )
    .addOption(new Option('--queue <queue>', 'batch: the job queue').choices(['gpu', 'cpu']).default('gpu'))
    .option('--outputs <file>', 'batch: the stack outputs file of `npx cdk deploy`', 'cdk-outputs.json')
    .option(...PRICES_OPTION)
    .action(async (options: PaperOptions) => {
      const sweep = parseSweepFile(
        paperPreset(ALL_GROUPS, { fidelity: options.fidelity, objective: options.objective }),
      );
      const runs = expandRuns(sweep);
      const rates = await readMeasuredRates();
      const table = options.runner === 'batch' ? await readPriceTable(options.prices) : undefined;
      const engineOf = (run: RunSpec) => cpuEngineFor([run]);
      const store = openStore(options.store);
      const here = new Set<DatasetGroup>();
      // Groups that should train now and do not (no GPU engine for CIFAR-10, no source): listed at the end with
      // their reason, and the exit status says so (3). Groups outside --groups are not left out: not asked for.
      const leftOut = new Map<DatasetGroup, string>();
      const lines = [
        `paper sweep: ${sweepId(sweep)} (${runs.length.toLocaleString('en-US')} runs; objective ${sweep.objective}, fidelity ${options.fidelity})`,
      ];
      for (const group of DATASET_GROUPS) {
        const groupRuns = runs.filter((r) => r.dataset.group === group);
        const wall = rates && estimateWallTime(groupRuns, rates, engineOf);
        const asked = options.groups === undefined || options.groups.includes(group);
        let where = asked
          ? await whereItRuns(group, groupRuns, options.runner)
          : { runs: false, line: 'not run now: not in --groups' };
        if (where.runs) {
          const data = await groupData(store, sweep, group);
          where = data.ready
            ? { runs: true, line: `${where.line}${data.note}` }
            : { runs: false, line: `not run now: ${data.reason}` };
        }
        if (where.runs) here.add(group);
        else if (asked) leftOut.set(group, where.line);
        lines.push(
          `  ${group.padEnd(9)} ${String(groupRuns.length).padStart(5)} runs  ${formatWallTime(wall)}`,
          `            ${where.line}`,
        );
      }
      if (table !== undefined)
        lines.push(
          ...batchCostLines({
            sweepId: sweepId(sweep),
            runs: runs.filter((r) => here.has(r.dataset.group)),
            rates,
            queue: options.queue,
            table,
            pricesFile: options.prices,
            cpuEngineOf: engineOf,
          }),
        );
      process.stdout.write(`${lines.join('\n')}\n`);
      if (options.plan) return;
      for (const group of here) {
        const reason = await prepareGroup(store, sweep, group);
        if (reason === undefined) continue;
        here.delete(group);
        leftOut.set(group, `not run now: ${reason}`);
      }
      await runSweep(store, sweep, await createRunner(options), undefined, here);
      if (leftOut.size > 0) {
        const left = [...leftOut].map(([group, line]) => `  ${group}: ${line}`);
        process.stdout.write(
          `\nleft out now (their runs are missing from the report; run again once fixed, the sweep resumes):\n${left.join('\n')}\n`,
        );
        process.exitCode = PAPER_LEFT_OUT_EXIT_CODE;
      }
    });
}

/** `adgap paper`'s exit status when it trained and reported, but left out a group it was asked for (README). */
export const PAPER_LEFT_OUT_EXIT_CODE = 3;
