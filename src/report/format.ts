import { reportHtml } from './html.js';
import type { Report, ReportRow } from './report.js';
import type { MeanStderr } from './statistics.js';
import { trivialRuleNotes } from './theory-notes.js';

/**
 * Every rendering of a report: `adgap report --format` and the API's `?format` (or Accept header, in this order
 * of preference when it allows several) offer the same ones.
 */
export const REPORT_FORMATS = ['json', 'csv', 'html', 'table'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORT_MEDIA_TYPES: Record<ReportFormat, string> = {
  json: 'application/json',
  csv: 'text/csv',
  html: 'text/html',
  table: 'text/plain',
};

const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(4)}`;
const cell = (v: MeanStderr | null) => (v === null ? '-' : `${signed(v.mean)} ± ${v.stderr.toFixed(4)}`);

/** A fixed-width table: one row per (dataset, R, mode), AD and both gaps as mean ± stderr over seeds. */
export function reportTable(report: Report): string {
  const header = [
    'dataset',
    'R',
    'objective',
    'fidelity',
    'mode',
    'AD',
    'AD gap',
    'acc gap',
    'rob AD',
    'rob AD (PGD)',
    'worst acc',
    'worst rob acc',
    'seeds',
  ];
  const lines = report.rows.map((r) => [
    r.group,
    String(r.R),
    r.objective,
    r.fidelity,
    r.mode,
    cell(r.ad),
    cell(r.adGap),
    cell(r.accuracyGap),
    cell(r.robustAd),
    cell(r.robustAdPgd),
    cell(r.worstClassCleanAccuracy),
    cell(r.worstClassRobustAccuracy),
    seedsCell(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const format = (cols: string[]) =>
    cols
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  const out = [format(header), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format)];
  const { expected, finished, failed } = report.runs;
  out.push(
    '',
    `runs: ${finished}/${expected} finished, ${failed} failed, ${expected - finished} without a result`,
  );
  for (const u of report.unreadableResults)
    out.push(
      `unreadable result ${u.key}: ${u.reason}; counted as missing (the next sweep run sets it aside and trains the run again)`,
    );
  out.push(
    'AD = acc(majority) - acc(minority), balanced test; AD gap = AD(robust) - AD(standard); acc gap = acc(standard) - acc(robust), imbalanced test; mean ± stderr over seeds.',
    'rob AD = AD on the balanced test set attacked with the training attack; rob AD (PGD) = the same under evaluation PGD (docs/protocol-notes.md).',
    'worst acc / worst rob acc = the lower class accuracy, clean / under evaluation PGD, balanced test; per-class accuracies and boundary errors in --format json or csv.',
    "objective: clean = loss on the adversarial batch only, reference = the attack's gradients leak into the update; fidelity: adgap, or reference = the reference code's three quirks (docs/protocol-notes.md).",
    ...trivialRuleNotes(report.rows).map((note) => `${note.group} R ${note.R}: ${note.text}`),
  );
  return out.join('\n');
}

function seedsCell(row: ReportRow): string {
  const n = row.ad?.n ?? 0;
  return row.seedsMissing.length === 0 ? String(n) : `${n} (missing ${row.seedsMissing.join(',')})`;
}

/** `<name>_majority_mean`, `_majority_stderr`, `_minority_mean`, `_minority_stderr`. */
function perClassColumns<Name extends string>(name: Name) {
  return [
    `${name}_majority_mean`,
    `${name}_majority_stderr`,
    `${name}_minority_mean`,
    `${name}_minority_stderr`,
  ] as const;
}

export const CSV_HEADER = [
  'dataset',
  'group',
  'R',
  'objective',
  'fidelity',
  'mode',
  'ad_mean',
  'ad_stderr',
  'ad_gap_mean',
  'ad_gap_stderr',
  'accuracy_gap_mean',
  'accuracy_gap_stderr',
  'robust_ad_mean',
  'robust_ad_stderr',
  'robust_ad_pgd_mean',
  'robust_ad_pgd_stderr',
  ...perClassColumns('clean_accuracy'),
  ...perClassColumns('robust_accuracy'),
  ...perClassColumns('boundary_error'),
  'worst_class_clean_accuracy_mean',
  'worst_class_clean_accuracy_stderr',
  'worst_class_robust_accuracy_mean',
  'worst_class_robust_accuracy_stderr',
  'seeds',
  'seeds_missing',
] as const;

/** CSV with full-precision numbers; empty cells where a value does not apply or is missing. */
export function reportCsv(report: Report): string {
  const num = (x: number | undefined) => (x === undefined ? '' : String(x));
  const rows = report.rows.map((r) =>
    [
      r.dataset,
      r.group,
      String(r.R),
      r.objective,
      r.fidelity,
      r.mode,
      num(r.ad?.mean),
      num(r.ad?.stderr),
      num(r.adGap?.mean),
      num(r.adGap?.stderr),
      num(r.accuracyGap?.mean),
      num(r.accuracyGap?.stderr),
      num(r.robustAd?.mean),
      num(r.robustAd?.stderr),
      num(r.robustAdPgd?.mean),
      num(r.robustAdPgd?.stderr),
      ...[r.cleanAccuracy, r.robustAccuracy, r.boundaryError].flatMap((pair) =>
        pair.flatMap((v) => [num(v?.mean), num(v?.stderr)]),
      ),
      num(r.worstClassCleanAccuracy?.mean),
      num(r.worstClassCleanAccuracy?.stderr),
      num(r.worstClassRobustAccuracy?.mean),
      num(r.worstClassRobustAccuracy?.stderr),
      String(r.ad?.n ?? 0),
      r.seedsMissing.join(' '),
    ].join(','),
  );
  return `${[CSV_HEADER.join(','), ...rows].join('\n')}\n`;
}

export async function formatReport(report: Report, format: ReportFormat): Promise<string> {
  if (format === 'json') return JSON.stringify(report, null, 2);
  if (format === 'csv') return reportCsv(report).trimEnd();
  if (format === 'html') return reportHtml(report);
  return reportTable(report);
}
