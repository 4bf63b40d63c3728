import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { ValidationError } from '../errors.js';
import { openStore } from '../store/open-store.js';
import { parseSweepFile, type SweepFile } from '../sweep/schema.js';
import { positiveInteger, STORE_OPTION } from './options.js';
import { runSweep } from './run-sweep.js';
import { createRunner, RUNNERS, type RunnerOptions } from './runners.js';
import { sweepCancelCommand } from './sweep-cancel.js';
import { sweepStatusCommand } from './sweep-status.js';

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
    .option(
      '--chunk-size <n>',
      'runs per job when the sweep is first planned (default: a whole cell; batch: 8)',
      positiveInteger('--chunk-size'),
    )
    .addOption(new Option('--queue <queue>', 'batch: the job queue').choices(['gpu', 'cpu']).default('gpu'))
    .option('--outputs <file>', 'batch: the stack outputs file of `npx cdk deploy`', 'cdk-outputs.json')
    .action(async (file: string, options: RunnerOptions & { store: string; chunkSize?: number }) => {
      const definition = await readSweepFile(file);
      const store = openStore(options.store);
      await runSweep(store, definition, await createRunner(options), options.chunkSize);
    });
  sweep.addCommand(sweepStatusCommand());
  sweep.addCommand(sweepCancelCommand());
  return sweep;
}
