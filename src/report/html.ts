import type { DatasetGroup } from '../datasets/types.js';
import { trainsOnlyOnGpu } from '../sweep/gpu-only.js';
import { columnsOf, reportLegend } from './columns.js';
import type { Report, ReportRow } from './report.js';
import type { SelectionRule } from './selection.js';
import type { MeanStderr } from './statistics.js';
import { partingNotes, trivialRuleNotes } from './theory-notes.js';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/**
 * The HTML tables' columns: those with a label, in tables that each fit a 1280 px page: the gaps, the per-class
 * figures, and the evaluations beyond PGD where the report shows them (the dataset and the selection rule are the
 * sections' headings, not columns).
 */
const PER_CLASS = new Set([
  'cleanAccuracy',
  'robustAccuracy',
  'boundaryError',
  'worstClassCleanAccuracy',
  'worstClassRobustAccuracy',
]);
const ROW_KEYS = new Set(['R', 'mode']);
type Table = { name: string; columns: ReturnType<typeof columnsOf> };

function tablesOf(evaluations: Report['evaluations']): Table[] {
  const labelled = columnsOf('label', evaluations);
  const beyondPgd = (c: (typeof labelled)[number]) => 'evaluation' in c;
  return [
    { name: 'gaps', columns: labelled.filter((c) => !PER_CLASS.has(c.key) && !beyondPgd(c)) },
    { name: 'per-class', columns: labelled.filter((c) => ROW_KEYS.has(c.key) || PER_CLASS.has(c.key)) },
    ...(evaluations && evaluations.length > 0
      ? [{ name: 'evaluations', columns: labelled.filter((c) => ROW_KEYS.has(c.key) || beyondPgd(c)) }]
      : []),
  ];
}

/**
 * A self-contained page: per selection rule in the report (the paper's clean-val first), Figure 1 as the paper
 * draws it (inline SVG, a row of panels per dataset group; figure.ts) and per group the tables; with several
 * rules, a table of the gap of AD under each rule side by side with theory. No script and no external resource,
 * so it renders anywhere, offline.
 */
export async function reportHtml(report: Report): Promise<string> {
  // vega takes a good part of a second to load: only HTML requests pay for it, not a cold start serving JSON.
  const { figure, SELECTION_TITLES } = await import('./figure.js');
  const rules = [...new Set(report.rows.map((r) => r.selection))];
  const sections: string[] = [];
  const tables = tablesOf(report.evaluations);
  for (const rule of rules) {
    const rows = report.rows.filter((r) => r.selection === rule);
    const drawn = await figure(report, rule);
    const datasets = [...new Set(rows.map((r) => r.dataset))];
    const notRecorded = rows.every((r) => r.ad === null) && rows.some((r) => r.seedsNotRecorded.length > 0);
    const groups = datasets.map((dataset) =>
      datasetSection(
        rows.filter((r) => r.dataset === dataset),
        tables,
      ),
    );
    const parting = partingNotes(rows).map(
      (note) => `<p class="note" data-parting-note>${escapeHtml(note.text)}</p>`,
    );
    const caption = drawn?.rows.some((r) => r.hasTheory)
      ? ' Dashed lines with open diamonds: the prediction for the optimal linear rules (docs/theory.md); radii are dodged a little along R so that equal predictions stay visible.'
      : '';
    sections.push(`<section data-selection="${rule}">
<h2>${escapeHtml(`Model selection: ${SELECTION_TITLES[rule]}`)}</h2>
${notRecorded ? `<p class="note" data-not-recorded>Not recorded: these results predate the checkpoints the ${rule} rule reads; results trained from now on record them.</p>` : ''}
${
  drawn
    ? `<figure data-figure="${rule}">${drawn.svg}<figcaption>Gap of AD and gap of standard accuracy against R, one row per dataset group, l2 and linf apart, one line per radius; error bars: one standard error over seeds.${caption}</figcaption></figure>`
    : ''
}
${parting.join('\n')}
${groups.join('\n')}
</section>`);
    // With several rules, the gaps under each, side by side, follow the paper's figure.
    if (rules.length > 1 && rule === rules[0]) sections.push(comparisonSection(report.rows, rules));
  }
  const { expected, finished, failed } = report.runs;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>adgap report: ${escapeHtml(report.sweepId)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; max-width: 1220px; }
figure { margin: 0 0 1rem; }
figure svg { max-width: 100%; height: auto; }
figcaption, .note { font-size: 0.85rem; color: #555; max-width: 1000px; }
.note { color: #7a4b00; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.8rem; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #ddd; padding: 0.2rem 0.45rem; text-align: right; white-space: nowrap; }
th { font-weight: 600; }
h3 { margin-bottom: 0.25rem; }
</style>
</head>
<body>
<h1>Disparity-gap report: ${escapeHtml(report.sweepId)}</h1>
<p>Runs: ${finished}/${expected} finished, ${failed} failed, ${expected - finished} without a result.
${reportLegend('label', report.evaluations).map(escapeHtml).join('\n')}</p>
${sections.join('\n')}
</body>
</html>
`;
}

/** One dataset group under one rule: its name, the two tables and theory's notes; or why there is nothing. */
function datasetSection(rows: ReportRow[], tables: Table[]): string {
  const first = rows[0] as ReportRow;
  if (rows.every((r) => r.ad === null) && rows.every((r) => r.seedsNotRecorded.length === 0))
    return notRunSection(first);
  const drawn = tables.map(
    ({ name, columns }) => `<table data-table="${name}">
<thead><tr>${columns.map((c) => `<th>${escapeHtml(c.header)}</th>`).join('')}</tr></thead>
<tbody>
${rows.map((row) => `<tr>${columns.map((c) => `<td>${cell(c.format.text(c.value(row)))}</td>`).join('')}</tr>`).join('\n')}
</tbody>
</table>`,
  );
  const notes = trivialRuleNotes(rows).map(
    (note) => `<p class="note" data-theory-note>R ${note.R}: ${escapeHtml(note.text)}</p>`,
  );
  return `<section data-dataset="${escapeHtml(first.dataset)}">
<h3>${escapeHtml(first.datasetName)}</h3>
${drawn.join('\n')}
${notes.join('\n')}
</section>`;
}

/** A cell of two lines (majority, minority) breaks between them. */
const cell = (text: string) => escapeHtml(text).replaceAll('\n', '<br>');

/**
 * A group without any result yet says so instead of drawing empty panels, and a group that trains only on a GPU
 * (trainsOnlyOnGpu) says where it can train.
 */
function notRunSection(row: ReportRow): string {
  const why = trainsOnlyOnGpu(row.group as DatasetGroup)
    ? ' This group trains only on a GPU engine (the cuda addon or tfjs-node-gpu) or on the batch runner (days on CPU): run <code>adgap paper --runner batch</code>, or <code>adgap paper</code> on a GPU machine, with the same store; the sweep resumes.'
    : '';
  return `<section data-dataset="${escapeHtml(row.dataset)}" data-not-run>
<h3>${escapeHtml(row.datasetName)}</h3>
<p>Not run yet: no results for this group.${why}</p>
</section>`;
}

/** The gap of AD under each rule, side by side with theory, per dataset group (robust rows only). */
function comparisonSection(rows: readonly ReportRow[], rules: SelectionRule[]): string {
  const first = rules[0] as SelectionRule;
  const keyOf = (r: ReportRow) => `${r.dataset}|${r.R}|${r.fidelity}|${r.mode}`;
  const byRule = new Map(
    rules.map((rule) => [rule, new Map(rows.filter((r) => r.selection === rule).map((r) => [keyOf(r), r]))]),
  );
  const base = rows.filter((r) => r.selection === first && r.mode !== 'standard');
  const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;
  const gap = (v: MeanStderr | null | undefined) =>
    v ? `${signed(v.mean)}${v.n === 1 ? ' (n = 1)' : ` ± ${v.stderr.toFixed(3)}`}` : '-';
  const datasets = [...new Set(base.map((r) => r.dataset))];
  const tables = datasets.map((dataset) => {
    const ofDataset = base.filter((r) => r.dataset === dataset);
    const body = ofDataset.map((row) => {
      const cells = [
        String(row.R),
        row.mode,
        row.theory ? signed(row.theory.adGap) : '-',
        ...rules.map((rule) => {
          const other = byRule.get(rule)?.get(keyOf(row));
          return other && other.ad === null && other.seedsNotRecorded.length > 0
            ? 'not recorded'
            : gap(other?.adGap);
        }),
      ];
      return `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
    });
    return `<h3>${escapeHtml((ofDataset[0] as ReportRow).datasetName)}</h3>
<table data-table="selection-comparison" data-dataset="${escapeHtml(dataset)}">
<thead><tr><th>R</th><th>mode</th><th>theory</th>${rules.map((rule) => `<th>${rule}</th>`).join('')}</tr></thead>
<tbody>
${body.join('\n')}
</tbody>
</table>`;
  });
  return `<section data-comparison>
<h2>Gap of AD under each selection rule, beside theory</h2>
<p class="note">clean-val: each run's epoch and the learning rate with the lowest clean validation loss (the paper's); robust-val: the lowest validation loss under the training attack; last-epoch: the weights each run stopped with. Mean ± standard error over seeds.</p>
${tables.join('\n')}
</section>`;
}
