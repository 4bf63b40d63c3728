import { Command, Option } from 'commander';
import { evaluateSweep } from '../application/evaluate-sweep.js';
import { AdgapError } from '../errors.js';
import { openStore } from '../store/open-store.js';
import { assertSweepId } from '../sweep/sweep-id.js';
import { KEPT_WEIGHT_EVALUATIONS, type KeptWeightEvaluation } from '../train/robustness/kept-evaluation.js';
import { abandonedHere } from './lease-owner.js';
import { STORE_OPTION } from './options.js';
import { sweepProgress } from './progress.js';
import { assertRunnerOptions, createRunner, RUNNER_OPTIONS, type RunnerOptions } from './runners.js';

export function evaluateCommand(): Command {
  return new Command('evaluate')
    .description(
      'compute a robust evaluation (exact: linear models; apgd: APGD-CE) for every finished run of a sweep that kept its weights, without training; resumable, one write-once record per run',
    )
    .argument('<sweep-id>', 'the sweep to evaluate')
    .addOption(
      new Option('--with <evaluation>', 'exact or apgd')
        .choices(KEPT_WEIGHT_EVALUATIONS)
        .makeOptionMandatory(),
    )
    .option(...STORE_OPTION)
    .addOption(RUNNER_OPTIONS.runner())
    .addOption(RUNNER_OPTIONS.concurrency())
    .addOption(RUNNER_OPTIONS.queue())
    .addOption(RUNNER_OPTIONS.outputs())
    .action(
      async (sweepId: string, options: RunnerOptions & { store: string; with: KeptWeightEvaluation }) => {
        assertSweepId(sweepId);
        assertRunnerOptions(options);
        const store = openStore(options.store);
        const progress = sweepProgress();
        const outcome = await evaluateSweep({
          store,
          sweepId,
          evaluation: options.with,
          runner: await createRunner(options),
          progress,
          isAbandoned: abandonedHere,
        }).finally(() => progress.stop());
        const header = `sweep: ${sweepId}\nstore: ${store.uri}\nevaluation: ${options.with}\n`;
        if (outcome.state === 'submitted') {
          const jobs =
            outcome.jobIds.length === 0 ? 'none: nothing left to evaluate' : outcome.jobIds.join('\n  ');
          process.stdout.write(
            `${header}submitted to AWS Batch:\n  ${jobs}\nfollow with: adgap sweep status ${sweepId} --store ${store.uri}\n`,
          );
          return;
        }
        if (outcome.jobFailures.length > 0) {
          const first = outcome.jobFailures[0] as (typeof outcome.jobFailures)[number];
          throw new AdgapError(
            `${outcome.jobFailures.length} job(s) of sweep ${sweepId} failed (first: job ${first.jobIndex}: ${first.error}); records written are kept, run again to resume`,
          );
        }
        process.stdout.write(
          `${header}done: adgap report ${sweepId} --store ${store.uri} --evaluation pgd,${options.with}\n`,
        );
      },
    );
}
