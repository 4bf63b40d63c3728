import { Command, Option } from 'commander';
import { reportFromStore } from '../application/report.js';
import { parseEvaluations } from '../report/evaluation-figures.js';
import { formatReport, REPORT_FORMATS, type ReportFormat } from '../report/format.js';
import { openStore } from '../store/open-store.js';
import { assertSweepId } from '../sweep/sweep-id.js';
import type { RobustEvaluationName } from '../train/robustness/kept-evaluation.js';
import { STORE_OPTION } from './options.js';

export function reportCommand(): Command {
  return new Command('report')
    .description('print the disparity-gap report of a sweep (partial while runs are missing)')
    .argument('<sweep>', 'sweep id, as printed by `adgap sweep run` or `adgap demo`')
    .option(...STORE_OPTION)
    .addOption(new Option('--format <format>', 'output format').choices(REPORT_FORMATS).default('table'))
    .option(
      '--evaluation <list>',
      'robust evaluations side by side, comma-separated: pgd (every result), exact, apgd (computed by `adgap evaluate`)',
      parseEvaluations,
      ['pgd'],
    )
    .action(
      async (
        sweepId: string,
        options: { store: string; format: ReportFormat; evaluation: RobustEvaluationName[] },
      ) => {
        assertSweepId(sweepId);
        const report = await reportFromStore(openStore(options.store), sweepId, options.evaluation);
        process.stdout.write(`${await formatReport(report, options.format)}\n`);
      },
    );
}
