import { z } from 'zod';
import { FIDELITIES, OBJECTIVES } from '../train/modes.js';
import { KEPT_WEIGHT_EVALUATIONS, type KeptWeightEvaluation } from '../train/robustness/kept-evaluation.js';
import type { EvaluatedFigures } from './evaluation-figures.js';
import type { ReportRow } from './report.js';
import { SELECTION_RULES } from './selection.js';
import type { MeanStderr } from './statistics.js';

/**
 * How a column's value is written: as text (the terminal table, and the HTML table, where a line break becomes
 * `<br>`) and as CSV cells, one or more per column (`csvNames` from the column's CSV name). Numbers are rounded:
 * 4 decimals in the tables, CSV_DECIMALS in the CSV; the JSON report keeps full precision.
 */
export interface CellFormat<V> {
  text(value: V): string;
  csvNames(name: string): string[];
  csv(value: V): string[];
}

/** A column's header in each view that shows it: the terminal table, the HTML table, the CSV. */
interface Views {
  short?: string;
  label?: string;
  csv?: string;
}

/**
 * One column of the report. `key` is the row's JSON field (`schema` describes it in the API), or names a
 * column derived from fields (no schema). Each view shows the columns that name a header for it: `short` the
 * terminal table, `label` the HTML table, `csv` the CSV; `format` writes the value in all of them.
 */
export interface ReportColumn<V> extends Views {
  key: string;
  value: (row: ReportRow) => V;
  format?: CellFormat<V>;
  schema?: z.ZodType;
  /** What the field holds, where its name does not say (the API's description). */
  description?: string;
  /** A column of one evaluation beyond PGD: shown only in reports asked for it (`--evaluation`). */
  evaluation?: KeptWeightEvaluation;
}

const plain = (x: { toString(): string }) => x.toString();
/**
 * Decimals of the CSV's numbers: accuracies are counts over test sets of thousands, so the sixth decimal is
 * far below any standard error, and float noise (0.0025000000000000022) goes. Trailing zeros are dropped.
 */
export const CSV_DECIMALS = 6;
const csvNumber = (x: number | undefined) => (x === undefined ? '' : String(roundTo(x, CSV_DECIMALS)));
/** `x` rounded to `decimals`, without the sign of a rounded negative zero. */
const roundTo = (x: number, decimals: number) => Number(x.toFixed(decimals)) + 0;
/** A standard error of one seed is no uncertainty estimate: the tables show the mean and `n = 1` instead. */
const spread = (v: MeanStderr) => (v.n === 1 ? ' (n = 1)' : ` ± ${v.stderr.toFixed(4)}`);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(4)}`;
const unsigned = (v: MeanStderr) => `${v.mean.toFixed(4)}${spread(v)}`;

const text: CellFormat<string | number> = { text: plain, csvNames: (name) => [name], csv: (v) => [plain(v)] };

/** `+0.0520 ± 0.0031` (`+0.0520 (n = 1)` for one seed); in CSV `<name>_mean` and `<name>_stderr`. */
const meanStderrFormat: CellFormat<MeanStderr | null> = {
  text: (v) => (v === null ? '-' : `${signed(v.mean)}${spread(v)}`),
  csvNames: (name) => [`${name}_mean`, `${name}_stderr`],
  csv: (v) => [csvNumber(v?.mean), csvNumber(v?.stderr)],
};

type ClassPair = [MeanStderr | null, MeanStderr | null];

/** Majority above minority; in CSV `<name>_majority_mean`, `_majority_stderr`, `_minority_mean`, `_minority_stderr`. */
const classPairFormat: CellFormat<ClassPair> = {
  text: ([majority, minority]) =>
    majority === null || minority === null ? '-' : `${unsigned(majority)}\n${unsigned(minority)}`,
  csvNames: (name) => ['majority', 'minority'].flatMap((c) => meanStderrFormat.csvNames(`${name}_${c}`)),
  csv: (pair) => pair.flatMap((v) => meanStderrFormat.csv(v)),
};

/**
 * Seeds with a selection, and which are missing: `3`, `2 (missing 42,62)`, `0 (not recorded)` where the results
 * predate the selection rule; in CSV `<name>`, `<name>_missing` and `<name>_not_recorded`.
 */
const seedsFormat: CellFormat<{ n: number; missing: number[]; notRecorded: number[] }> = {
  text: ({ n, missing, notRecorded }) => {
    const lacking = missing.filter((seed) => !notRecorded.includes(seed));
    const notes = [
      ...(lacking.length > 0 ? [`missing ${lacking.join(',')}`] : []),
      ...(notRecorded.length > 0 ? [`not recorded ${notRecorded.join(',')}`] : []),
    ];
    return notes.length === 0 ? String(n) : `${n} (${notes.join('; ')})`;
  },
  csvNames: (name) => [name, `${name}_missing`, `${name}_not_recorded`],
  csv: ({ n, missing, notRecorded }) => [String(n), missing.join(' '), notRecorded.join(' ')],
};

const meanStderrSchema = z
  .object({ mean: z.number(), stderr: z.number(), n: z.int() })
  .nullable()
  .meta({ id: 'MeanStderr', description: 'mean and standard error (population std / sqrt(n)) over seeds' });
const classPairSchema = z.tuple([meanStderrSchema, meanStderrSchema]);

/** A column that is the row's field `key`, described by `schema` (with `description` where it needs one). */
function field<K extends keyof ReportRow & string>(
  key: K,
  schema: z.ZodType<ReportRow[K]>,
  options: Views & { format?: CellFormat<ReportRow[K]>; description?: string } = {},
): ReportColumn<ReportRow[K]> & { key: K } {
  return { key, value: (row) => row[key], schema, ...options };
}

const evaluatedFiguresSchema = z
  .object({
    robustAd: meanStderrSchema,
    robustAdMinusPgd: meanStderrSchema.meta({
      description: 'robust AD under this evaluation minus robust AD under evaluation PGD, paired by seed',
    }),
    robustAccuracy: classPairSchema,
    worstClassRobustAccuracy: meanStderrSchema,
  })
  .meta({ id: 'EvaluatedFigures' });

/**
 * The columns of one evaluation beyond PGD (exact, APGD-CE), each derived from the row's `evaluations`: robust
 * AD, its difference from PGD's, per-class and worst-class robust accuracy under it.
 */
function evaluationColumns(
  evaluation: KeptWeightEvaluation,
): (ReportColumn<unknown> & { key: `${string}${'Exact' | 'Apgd'}${string}` })[] {
  const name = evaluation === 'exact' ? 'exact' : 'APGD';
  const figure =
    <V>(pick: (f: EvaluatedFigures) => V, empty: V) =>
    (row: ReportRow): V => {
      const figures = row.evaluations?.[evaluation];
      return figures ? pick(figures) : empty;
    };
  const suffix = evaluation === 'exact' ? ('Exact' as const) : ('Apgd' as const);
  // Each column typed by its own value, then listed as one of a row's columns.
  const column = <V>(c: ReportColumn<V>) => c as unknown as ReportColumn<unknown>;
  const columns = [
    column({
      key: `robustAd${suffix}`,
      value: figure((f) => f.robustAd, null),
      format: meanStderrFormat,
      short: `rob AD (${name})`,
      label: `robust AD (${name})`,
      csv: `robust_ad_${evaluation}`,
    }),
    column({
      key: `robustAd${suffix}MinusPgd`,
      value: figure((f) => f.robustAdMinusPgd, null),
      format: meanStderrFormat,
      short: `${name} - PGD`,
      label: `robust AD, ${name} - PGD`,
      csv: `robust_ad_${evaluation}_minus_pgd`,
    }),
    column({
      key: `robustAccuracy${suffix}`,
      value: figure((f): ClassPair => f.robustAccuracy, [null, null]),
      format: classPairFormat,
      label: `robust acc ${name} (maj, min)`,
      csv: `robust_accuracy_${evaluation}`,
    }),
    column({
      key: `worstClassRobustAccuracy${suffix}`,
      value: figure((f) => f.worstClassRobustAccuracy, null),
      format: meanStderrFormat,
      short: `worst rob acc (${name})`,
      label: `worst-class robust acc (${name})`,
      csv: `worst_class_robust_accuracy_${evaluation}`,
    }),
  ];
  return columns.map(
    (c) => ({ ...c, evaluation }) as ReportColumn<unknown> & { key: `${string}${typeof suffix}${string}` },
  );
}

/**
 * Every column of the report, in the order every view shows them: the terminal table (`adgap report`, the API's
 * text/plain), the CSV, the HTML table and the API's JSON schema. A new column is one entry here.
 */
export const REPORT_COLUMNS = [
  field('dataset', z.string(), { format: text, csv: 'dataset' }),
  field('group', z.string(), { format: text, short: 'dataset', csv: 'group' }),
  field('datasetName', z.string(), {
    description: 'the group and the parameters that tell its datasets apart',
  }),
  field('selection', z.enum(SELECTION_RULES), {
    format: text,
    short: 'selection',
    csv: 'selection',
    description: "the checkpoint-selection rule of the row's numbers (clean-val is the paper's)",
  }),
  field('R', z.number(), { format: text, short: 'R', label: 'R', csv: 'R' }),
  field('objective', z.enum(OBJECTIVES), {
    format: text,
    short: 'objective',
    label: 'objective',
    csv: 'objective',
    description: "the training objective of the row's runs",
  }),
  field('fidelity', z.enum(FIDELITIES), {
    format: text,
    short: 'fidelity',
    label: 'fidelity',
    csv: 'fidelity',
    description: "adgap, or reference: the reference code's quirks",
  }),
  field('mode', z.string(), { format: text, short: 'mode', label: 'mode', csv: 'mode' }),
  field('ad', meanStderrSchema, { format: meanStderrFormat, short: 'AD', label: 'AD', csv: 'ad' }),
  field('adGap', meanStderrSchema, {
    format: meanStderrFormat,
    short: 'AD gap',
    label: 'AD gap',
    csv: 'ad_gap',
  }),
  field('accuracyGap', meanStderrSchema, {
    format: meanStderrFormat,
    short: 'acc gap',
    label: 'accuracy gap',
    csv: 'accuracy_gap',
  }),
  field('robustAd', meanStderrSchema, {
    format: meanStderrFormat,
    short: 'rob AD (train)',
    label: 'robust AD (training attack)',
    csv: 'robust_ad',
    description: 'AD on the balanced test set under the training attack',
  }),
  field('robustAdPgd', meanStderrSchema, {
    format: meanStderrFormat,
    short: 'rob AD (PGD)',
    label: 'robust AD (PGD)',
    csv: 'robust_ad_pgd',
    description: 'AD on the balanced test set under evaluation PGD',
  }),
  field('cleanAccuracy', classPairSchema, {
    format: classPairFormat,
    label: 'clean acc (maj, min)',
    csv: 'clean_accuracy',
    description: 'per class [majority, minority], balanced test set',
  }),
  field('robustAccuracy', classPairSchema, {
    format: classPairFormat,
    label: 'robust acc PGD (maj, min)',
    csv: 'robust_accuracy',
    description: 'per class under evaluation PGD (null: standard rows)',
  }),
  field('boundaryError', classPairSchema, {
    format: classPairFormat,
    label: 'boundary error PGD (maj, min)',
    csv: 'boundary_error',
    description: 'per class: clean minus robust accuracy under evaluation PGD',
  }),
  field('worstClassCleanAccuracy', meanStderrSchema, {
    format: meanStderrFormat,
    short: 'worst acc',
    label: 'worst-class acc',
    csv: 'worst_class_clean_accuracy',
  }),
  field('worstClassRobustAccuracy', meanStderrSchema, {
    format: meanStderrFormat,
    short: 'worst rob acc (PGD)',
    label: 'worst-class robust acc (PGD)',
    csv: 'worst_class_robust_accuracy',
    description: 'the lower class accuracy under evaluation PGD',
  }),
  ...KEPT_WEIGHT_EVALUATIONS.flatMap(evaluationColumns),
  field('evaluations', z.partialRecord(z.enum(KEPT_WEIGHT_EVALUATIONS), evaluatedFiguresSchema).optional(), {
    description:
      'the row under each robust evaluation beyond PGD the report was asked for (--evaluation exact,apgd): exact robust accuracy of linear models, APGD-CE; absent when none was',
  }),
  field(
    'theory',
    z
      .object({
        ad: z.number(),
        adGap: z.number(),
        accuracyGap: z.number(),
        trivial: z.object({ standard: z.boolean(), robust: z.boolean() }).meta({
          description: 'which optimal rule predicts the majority everywhere (the trivial rule)',
        }),
      })
      .nullable(),
    {
      description:
        'prediction of the optimal linear rules (synthetic groups, linear, clean objective, adgap fidelity, one-step attack; docs/theory.md)',
    },
  ),
  {
    key: 'seeds',
    value: (row: ReportRow) => ({
      n: row.ad?.n ?? 0,
      missing: row.seedsMissing,
      notRecorded: row.seedsNotRecorded,
    }),
    format: seedsFormat,
    short: 'seeds',
    label: 'seeds',
    csv: 'seeds',
  },
  field('seedsMissing', z.array(z.int())),
  field('seedsNotRecorded', z.array(z.int()), {
    description: "seeds whose results predate the selection rule's checkpoints (also in seedsMissing)",
  }),
  field('selectedLearningRates', z.record(z.string(), z.number())),
] as const;

// Every field of a report row is a column: a field added to ReportRow without one fails to compile here.
type ColumnKey = (typeof REPORT_COLUMNS)[number]['key'];
const everyFieldHasAColumn: Exclude<keyof ReportRow, ColumnKey> extends never ? true : never = true;
void everyFieldHasAColumn;

/**
 * A view's columns: those that name a header for it, with the format every such column has; the columns of an
 * evaluation beyond PGD only where the report has it (`evaluations`, Report.evaluations).
 */
export function columnsOf(
  view: keyof Views,
  evaluations: readonly KeptWeightEvaluation[] = [],
): (ReportColumn<unknown> & { header: string; format: CellFormat<unknown> })[] {
  return (REPORT_COLUMNS as readonly ReportColumn<unknown>[]).flatMap((column) => {
    const header = column[view];
    if (column.evaluation !== undefined && !evaluations.includes(column.evaluation)) return [];
    return header === undefined || column.format === undefined
      ? []
      : [{ ...column, header, format: column.format }];
  });
}

/** A CSV header: the CSV columns' names, in order. */
export function csvHeader(evaluations: readonly KeptWeightEvaluation[] = []): string[] {
  return columnsOf('csv', evaluations).flatMap((c) => c.format.csvNames(c.header));
}

/** The CSV header of a report without evaluations beyond PGD. */
export const CSV_HEADER: readonly string[] = csvHeader();

/** The fields of a report row, as the API's JSON schema describes them: the columns that have a schema. */
export function reportFields(): { key: string; schema: z.ZodType; description?: string }[] {
  return (REPORT_COLUMNS as readonly ReportColumn<unknown>[]).flatMap(({ key, schema, description }) =>
    schema === undefined ? [] : [{ key, schema, ...(description === undefined ? {} : { description }) }],
  );
}

/**
 * What the numbers mean, written once for every view that shows the table, in the view's own headers: the
 * terminal table prints these lines, the HTML page a paragraph of them.
 */
export function reportLegend(
  view: 'short' | 'label',
  evaluations: readonly KeptWeightEvaluation[] = [],
): string[] {
  const shown = columnsOf(view, evaluations);
  const header = (key: ColumnKey) => shown.find((c) => c.key === key)?.header ?? key;
  const perClass = shown.some((c) => c.key === 'cleanAccuracy')
    ? '.'
    : '; per-class accuracies and boundary errors in --format json or csv.';
  return [
    `${header('ad')} = acc(majority) - acc(minority), balanced test; ${header('adGap')} = AD(robust) - AD(standard); ${header('accuracyGap')} = acc(standard) - acc(robust), imbalanced test; mean ± stderr over seeds.`,
    `${header('robustAd')} = AD on the balanced test set attacked with the training attack; ${header('robustAdPgd')} = the same under evaluation PGD (docs/protocol-notes.md).`,
    `${header('worstClassCleanAccuracy')} / ${header('worstClassRobustAccuracy')} = the lower class accuracy, clean / under evaluation PGD, balanced test${perClass}`,
    "objective: clean = loss on the adversarial batch only, reference = the attack's gradients leak into the update; fidelity: adgap, or reference = the reference code's three quirks (docs/protocol-notes.md).",
    ...evaluations.map((evaluation) => EVALUATION_LEGEND[evaluation]),
  ];
}

/** What each evaluation beyond PGD is, for the legend of a report that shows it. */
const EVALUATION_LEGEND: Record<KeptWeightEvaluation, string> = {
  exact:
    'exact: the exact worst case in the ball (linear models only: the margin lowered by eps ||v||_q, within [0,1] for pixel data); exact - PGD = robust AD exact minus under evaluation PGD, paired by seed (docs/protocol-notes.md).',
  apgd: 'APGD: APGD-CE (Croce & Hein 2020: 100 iterations, 1 restart), the first attack of AutoAttack; APGD - PGD = robust AD under it minus under evaluation PGD, paired by seed.',
};
