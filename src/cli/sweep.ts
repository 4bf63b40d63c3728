import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { ValidationError } from '../errors.js';
import { formatReport } from '../report/format.js';
import { openStore } from '../store/open-store.js';
import { parseSweepFile, type SweepFile } from '../sweep/schema.js';
import type { EngineName } from '../train/result.js';
import { ENGINE_OPTION, positiveInteger, STORE_OPTION } from './options.js';
import { runSweepLocally } from './run-sweep.js';

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
    .description('train every run of a sweep file that has no result yet, then print the report')
    .argument('<sweep.yaml>', 'sweep file (see README: sweep file reference)')
    .option(...STORE_OPTION)
    .option('--concurrency <n>', 'jobs at once (default: one per core)', positiveInteger('--concurrency'))
    .option(...ENGINE_OPTION)
    .action(async (file: string, options: { store: string; concurrency?: number; engine?: EngineName }) => {
      const definition = await readSweepFile(file);
      const store = openStore(options.store);
      const { sweepId, report } = await runSweepLocally(
        store,
        options.engine ? { ...definition, engine: options.engine } : definition,
        options.concurrency,
      );
      process.stdout.write(`sweep: ${sweepId}\nstore: ${store.uri}\n\n${formatReport(report, 'table')}\n`);
    });
  return sweep;
}
