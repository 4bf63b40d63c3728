import { z } from '@hono/zod-openapi';
import type { SchemaObject } from 'openapi3-ts/oas31';
import { reportFields } from '../report/columns.js';
import { REPORT_EVALUATIONS } from '../report/evaluation-figures.js';
import { REPORT_FORMATS } from '../report/format.js';
import { SELECTION_RULES, type SelectionRule } from '../report/selection.js';
import { type RunResult, runResultJsonSchema } from '../results/run-result.js';
import { sweepFileSchema } from '../sweep/schema.js';
import { SWEEP_ID_PATTERN } from '../sweep/sweep-id.js';
import { FIDELITIES, NORMS, OBJECTIVES } from '../train/modes.js';
import { KEPT_WEIGHT_EVALUATIONS } from '../train/robustness/kept-evaluation.js';

/** The message for a value outside a closed list: the value, what it should be, what is allowed. */
function notOneOf(value: unknown, what: string, allowed: readonly string[]): string {
  return `'${String(value)}' is not ${what} (allowed: ${allowed.join(', ')})`;
}

/** Request parameters: validated here, so nothing unchecked reaches a store key. */
export const sweepParams = z.object({
  id: z
    .string()
    .regex(SWEEP_ID_PATTERN, { error: 'not a sweep id (expected <name>-<8 hex digits>)' })
    .openapi({ param: { name: 'id', in: 'path' }, example: 'demo-1a2b3c4d' }),
});

const EVALUATION_LIST = new RegExp(
  `^(${REPORT_EVALUATIONS.join('|')})(,(${REPORT_EVALUATIONS.join('|')}))*$`,
);

export const reportQuery = z.object({
  format: z
    .enum(REPORT_FORMATS, { error: `unknown format (allowed: ${REPORT_FORMATS.join(', ')})` })
    .optional()
    .openapi({
      description:
        'overrides the Accept header (application/json, text/csv, text/html, text/plain, image/svg+xml, image/png); svg and png are Figure 1 alone',
    }),
  selection: z
    .string()
    .transform((value, context) => {
      const rules = [...new Set(value.split(','))];
      const unknown = rules.find((rule) => !(SELECTION_RULES as readonly string[]).includes(rule));
      if (unknown !== undefined) {
        context.addIssue({ code: 'custom', message: notOneOf(unknown, 'a selection rule', SELECTION_RULES) });
        return z.NEVER;
      }
      return rules as SelectionRule[];
    })
    .optional()
    .openapi({
      type: 'string',
      description: `checkpoint-selection rules, comma-separated, side by side in one report (${SELECTION_RULES.join(', ')}); default clean-val, the paper's`,
      example: 'clean-val,robust-val',
    }),
  evaluation: z
    .string()
    .regex(EVALUATION_LIST, { error: `expected a comma-separated list of ${REPORT_EVALUATIONS.join(', ')}` })
    .optional()
    .openapi({
      description:
        'robust evaluations side by side, e.g. pgd,exact: pgd is in every result; exact (linear models) and apgd are computed by `adgap evaluate`',
    }),
});

export const runsQuery = z.object({
  dataset: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, { error: 'expected a dataset group or a report dataset id' })
    .optional()
    .openapi({
      description: "a dataset group ('gaussian') or a report row's dataset id",
      example: 'gaussian',
    }),
  R: z.coerce
    .number({ error: 'expected a number' })
    .min(1, { error: 'an imbalance ratio is >= 1' })
    .optional()
    .openapi({ description: 'imbalance ratio', example: 5 }),
  mode: z
    .string()
    .regex(new RegExp(`^(standard|(${NORMS.join('|')})-(auto)?[0-9][0-9.e+-]*(-pgd[0-9]+)?)$`), {
      error: `expected 'standard' or '<${NORMS.join('|')}>-<eps or auto<factor>>[-pgd<steps>]', as in the report`,
    })
    .optional()
    .openapi({ description: 'training mode as in the report', example: 'linf-0.5' }),
  objective: z
    .enum(OBJECTIVES, { error: (issue) => notOneOf(issue.input, 'an objective', OBJECTIVES) })
    .optional()
    .openapi({ description: "the runs' training objective, as in the report rows", example: 'clean' }),
  fidelity: z
    .enum(FIDELITIES, { error: (issue) => notOneOf(issue.input, 'a fidelity', FIDELITIES) })
    .optional()
    .openapi({
      description: "adgap, or reference (the reference code's quirks), as in the report rows",
      example: 'reference',
    }),
  cursor: z
    .string()
    .max(1000, { error: 'not a cursor returned by this API' })
    .optional()
    .openapi({ description: 'opaque: the `cursor` of the previous page' }),
});

export const errorBody = z
  .object({
    error: z.object({
      code: z.enum(['bad_request', 'not_found', 'unreadable', 'internal']),
      message: z.string(),
      parameter: z.string().optional().openapi({ description: 'the request parameter at fault (400)' }),
    }),
  })
  .openapi('Error');

const runCounts = z.object({
  total: z.number().int(),
  done: z.number().int().openapi({ description: 'runs with a result' }),
  failed: z.number().int().openapi({ description: 'runs whose last attempt failed and that have no result' }),
});

export const sweepSummary = z
  .object({ sweepId: z.string(), name: z.string(), createdAt: z.string(), runs: runCounts })
  .openapi('SweepSummary');

export const unreadableSweep = z
  .object({
    sweepId: z.string().openapi({ description: 'the folder under sweeps/' }),
    unreadable: z.object({
      key: z.string(),
      reason: z
        .string()
        .openapi({ description: 'not JSON, not of its schema, or foreign (names another sweep)' }),
    }),
  })
  .openapi('UnreadableSweep');

export const sweepDetail = sweepSummary
  .extend({ definition: sweepFileSchema, jobCount: z.number().int() })
  .openapi('Sweep');

/**
 * A report row: one property per field of the report's column list (src/report/columns.ts). Its schemas are
 * plain zod, made before this module extends zod with `.openapi` (the CLI loads the report first), so their
 * descriptions are zod metadata, which the OpenAPI generator reads too.
 */
const reportRow = z.object(
  Object.fromEntries(
    reportFields().map(({ key, schema, description }) => [
      key,
      description === undefined ? schema : schema.meta({ description }),
    ]),
  ),
);

export const reportBody = z
  .object({
    sweepId: z.string(),
    runs: z.object({ expected: z.number().int(), finished: z.number().int(), failed: z.number().int() }),
    rows: z.array(reportRow),
    missingRunIds: z.array(z.string()),
    unreadableResults: z.array(z.object({ runId: z.string(), key: z.string(), reason: z.string() })).openapi({
      description:
        'result objects that could not be read: their runs count as missing; the next `sweep run` sets them aside and trains them again',
    }),
    evaluations: z
      .array(z.enum(KEPT_WEIGHT_EVALUATIONS))
      .optional()
      .openapi({ description: 'the evaluations beyond PGD the rows carry (?evaluation=); absent: none' }),
  })
  .openapi('Report');

/**
 * Run results are documented by the JSON Schema generated from their zod schema (JSON Schema 2020-12, which
 * OpenAPI 3.1 embeds as is; its `$id` keeps its internal `$defs` references resolvable), so the API, the
 * published schemas/run-result.schema.json and the trainer share one definition.
 */
const runResult = z.custom<RunResult>().openapi('RunResult', runResultJsonSchema() as SchemaObject);

export const runsPageBody = z.object({
  runs: z.array(runResult),
  cursor: z
    .string()
    .optional()
    .openapi({ description: 'pass as ?cursor= for the next page; absent on the last' }),
});
