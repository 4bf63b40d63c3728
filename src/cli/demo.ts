import { Command } from 'commander';
import { LocalProcessRunner } from '../runners/local-processes.js';
import { openStore } from '../store/open-store.js';
import { parseSweepFile } from '../sweep/schema.js';
import type { EngineName } from '../train/result.js';
import { ENGINE_OPTION, positiveInteger, STORE_OPTION } from './options.js';
import { runSweep } from './run-sweep.js';

/** The built-in demo (issue 2): small enough for a few minutes on two cores, real enough to show the gaps. */
export const DEMO_SWEEP = {
  name: 'demo',
  datasets: ['gaussian'],
  R: [1, 5],
  seeds: [2, 22],
  learningRates: [0.01, 0.001],
  epochs: 60,
  patience: 10,
  batchSize: 64,
  modes: ['standard', { norm: 'linf', eps: [0.5] }, { norm: 'l2', eps: [2.5] }],
};

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'run the built-in demo sweep (gaussian, R 1 and 5, 2 seeds, 2 learning rates, 3 modes) and print its report',
    )
    .option(...STORE_OPTION)
    .option('--concurrency <n>', 'jobs at once (default: one per core)', positiveInteger('--concurrency'))
    .option(...ENGINE_OPTION)
    .action(async (options: { store: string; concurrency?: number; engine?: EngineName }) => {
      const runner = new LocalProcessRunner(options.concurrency);
      const sweep = parseSweepFile(options.engine ? { ...DEMO_SWEEP, engine: options.engine } : DEMO_SWEEP);
      await runSweep(openStore(options.store), sweep, runner);
    });
}
