import { Command, Option } from 'commander';
import { reportFromStore } from '../application/report.js';
import { ValidationError } from '../errors.js';
import { parseEvaluations } from '../report/evaluation-figures.js';
import { formatReport, REPORT_FORMATS, type ReportFormat } from '../report/format.js';
import { DEFAULT_SELECTION, SELECTION_RULES, type SelectionRule } from '../report/selection.js';
import { openStore } from '../store/open-store.js';
import { assertSweepId } from '../sweep/sweep-id.js';
import type { RobustEvaluationName } from '../train/robustness/kept-evaluation.js';
import { STORE_OPTION } from './options.js';

/** `--selection a,b` and `--selection a --selection b` alike; each rule once, in the order given. */
function selectionRules(value: string, previous: SelectionRule[] | undefined): SelectionRule[] {
  const rules = [...(previous ?? [])];
  for (const rule of value.split(',')) {
    if (!(SELECTION_RULES as readonly string[]).includes(rule))
      throw new ValidationError(
        '--selection',
        `'${rule}' is not a selection rule (allowed: ${SELECTION_RULES.join(', ')})`,
      );
    if (!rules.includes(rule as SelectionRule)) rules.push(rule as SelectionRule);
  }
  return rules;
}

export function reportCommand(): Command {
  return new Command('report')
    .description('print the disparity-gap report of a sweep (partial while runs are missing)')
    .argument('<sweep>', 'sweep id, as printed by `adgap sweep run` or `adgap demo`')
    .option(...STORE_OPTION)
    .addOption(
      new Option(
        '--format <format>',
        'output format (svg, png: Figure 1 alone; write them to a file with > figure.svg)',
      )
        .choices(REPORT_FORMATS)
        .default('table'),
    )
    .addOption(
      new Option(
        '--selection <rules>',
        `checkpoint-selection rules, side by side (comma-separated or repeated; ${SELECTION_RULES.join(', ')}); default ${DEFAULT_SELECTION}, the paper's`,
      ).argParser(selectionRules),
    )
    .option(
      '--evaluation <list>',
      'robust evaluations side by side, comma-separated: pgd (every result), exact, apgd (computed by `adgap evaluate`)',
      parseEvaluations,
      ['pgd'],
    )
    .action(
      async (
        sweepId: string,
        options: {
          store: string;
          format: ReportFormat;
          selection?: SelectionRule[];
          evaluation: RobustEvaluationName[];
        },
      ) => {
        assertSweepId(sweepId);
        const report = await reportFromStore(openStore(options.store), sweepId, {
          selections: options.selection ?? [DEFAULT_SELECTION],
          evaluations: options.evaluation,
        });
        const output = await formatReport(report, options.format);
        // A PNG is written as it is; text ends with a newline.
        process.stdout.write(typeof output === 'string' ? `${output}\n` : output);
      },
    );
}
