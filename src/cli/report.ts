import { Command, Option } from 'commander';
import { reportFromStore } from '../application/report.js';
import { formatReport, REPORT_FORMATS, type ReportFormat } from '../report/format.js';
import { openStore } from '../store/open-store.js';
import { assertSweepId } from '../sweep/sweep-id.js';
import { STORE_OPTION } from './options.js';

export function reportCommand(): Command {
  return new Command('report')
    .description('print the disparity-gap report of a sweep (partial while runs are missing)')
    .argument('<sweep>', 'sweep id, as printed by `adgap sweep run` or `adgap demo`')
    .option(...STORE_OPTION)
    .addOption(new Option('--format <format>', 'output format').choices(REPORT_FORMATS).default('table'))
    .action(async (sweepId: string, options: { store: string; format: ReportFormat }) => {
      assertSweepId(sweepId);
      const report = await reportFromStore(openStore(options.store), sweepId);
      process.stdout.write(`${await formatReport(report, options.format)}\n`);
    });
}
