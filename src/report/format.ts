import { ValidationError } from '../errors.js';
import { columnsOf, csvHeader, reportLegend } from './columns.js';
import { reportHtml } from './html.js';
import type { Report } from './report.js';
import { partingNotes, trivialRuleNotes } from './theory-notes.js';

/**
 * Every rendering of a report: `adgap report --format` and the API's `?format` (or Accept header, in this order
 * of preference when it allows several) offer the same ones.
 */
export const REPORT_FORMATS = ['json', 'csv', 'html', 'table', 'svg', 'png'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORT_MEDIA_TYPES: Record<ReportFormat, string> = {
  json: 'application/json',
  csv: 'text/csv',
  html: 'text/html',
  table: 'text/plain',
  svg: 'image/svg+xml',
  png: 'image/png',
};

/** A fixed-width table: one row per (dataset, R, mode), the columns that have a short header, then the legend. */
export function reportTable(report: Report): string {
  const columns = columnsOf('short', report.evaluations);
  const header = columns.map((c) => c.header);
  const lines = report.rows.map((row) => columns.map((c) => c.format.text(c.value(row))));
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
    ...reportLegend('short', report.evaluations),
    ...trivialRuleNotes(report.rows.filter((r) => r.selection === report.rows[0]?.selection)).map(
      (note) => `${note.group} R ${note.R}: ${note.text}`,
    ),
    ...partingNotes(report.rows).map((note) => `${note.selection}, ${note.dataset}: ${note.text}`),
  );
  return out.join('\n');
}

/** CSV with numbers rounded to CSV_DECIMALS (columns.ts); empty cells where a value does not apply or is missing. */
export function reportCsv(report: Report): string {
  const columns = columnsOf('csv', report.evaluations);
  const rows = report.rows.map((row) => columns.flatMap((c) => c.format.csv(c.value(row))).join(','));
  return `${[csvHeader(report.evaluations).join(','), ...rows].join('\n')}\n`;
}

/**
 * Figure 1 of the report's selection rules as a standalone SVG (vega's headless rendering), or as a PNG (resvg);
 * a report without any measured robust point has nothing to draw.
 */
export async function reportFigure(report: Report, format: 'svg' | 'png'): Promise<string | Uint8Array> {
  // vega and resvg load only for the figures.
  const { figurePng, figureSvg } = await import('./figure.js');
  const svg = await figureSvg(report, [...new Set(report.rows.map((r) => r.selection))]);
  if (svg === undefined)
    throw new ValidationError('format', `${format}: the report has no measured robust point to draw yet`);
  return format === 'svg' ? svg : figurePng(svg);
}

export async function formatReport(report: Report, format: ReportFormat): Promise<string | Uint8Array> {
  if (format === 'svg' || format === 'png') return reportFigure(report, format);
  if (format === 'json') return JSON.stringify(report, null, 2);
  if (format === 'csv') return reportCsv(report).trimEnd();
  if (format === 'html') return reportHtml(report);
  return reportTable(report);
}
