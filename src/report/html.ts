import type { DatasetGroup } from '../datasets/types.js';
import { trainsOnlyOnGpu } from '../sweep/gpu-only.js';
import { columnsOf, reportLegend } from './columns.js';
import type { Report, ReportRow } from './report.js';
import { trivialRuleNotes } from './theory-notes.js';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** The HTML table's columns: those with a label (the dataset is the section's heading, not a column). */
type Columns = ReturnType<typeof columnsOf>;

/**
 * A self-contained page: per dataset, the two figure-1 panels (inline SVG in `<figure data-panel=...>`) and
 * the table of AD and both gaps. No script and no external resource, so it renders anywhere, offline.
 */
export async function reportHtml(report: Report): Promise<string> {
  // vega takes a good part of a second to load: only HTML requests pay for it, not a cold start serving JSON.
  const { figurePanels } = await import('./figure.js');
  const panels = await figurePanels(report);
  const columns: Columns = columnsOf('label', report.evaluations);
  const datasets = [...new Set(report.rows.map((r) => r.dataset))];
  const sections = datasets.map((dataset) => {
    const datasetRows = report.rows.filter((r) => r.dataset === dataset);
    if (datasetRows.every((r) => r.ad === null)) return notRunSection(dataset, datasetRows[0]?.group);
    const figures = panels
      .filter((p) => p.dataset === dataset)
      .map(
        (p) =>
          `<figure data-panel="${p.panel}" data-dataset="${escapeHtml(dataset)}">${p.svg}<figcaption>${escapeHtml(p.title)} against R, one line per radius; error bars: one standard error over seeds.${p.hasTheory ? ' Dashed lines with open diamonds: the prediction for the optimal linear rules (docs/theory.md).' : ''}</figcaption></figure>`,
      )
      .join('\n');
    const rows = report.rows.filter((r) => r.dataset === dataset).map((row) => tableRow(row, columns));
    const notes = trivialRuleNotes(datasetRows).map(
      (note) => `<p data-theory-note>R ${note.R}: ${escapeHtml(note.text)}</p>`,
    );
    return `<section data-dataset="${escapeHtml(dataset)}">
<h2>${escapeHtml(dataset)}</h2>
<div class="panels">${figures}</div>
<table>
<thead><tr>${columns.map((c) => `<th>${escapeHtml(c.header)}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
${notes.join('\n')}
</section>`;
  });
  const { expected, finished, failed } = report.runs;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>adgap report: ${escapeHtml(report.sweepId)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
.panels { display: flex; flex-wrap: wrap; gap: 1.5rem; }
figure { margin: 0; }
figcaption { font-size: 0.85rem; color: #555; max-width: 460px; }
table { border-collapse: collapse; margin: 1rem 0 2rem; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.75rem; text-align: right; }
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

/**
 * A group without any result yet says so instead of drawing empty panels, and a group that trains only on a GPU
 * (trainsOnlyOnGpu) says where it can train.
 */
function notRunSection(dataset: string, group: string | undefined): string {
  const why = trainsOnlyOnGpu(group as DatasetGroup)
    ? ' This group trains only on a GPU engine (the cuda addon or tfjs-node-gpu) or on the batch runner (days on CPU): run <code>adgap paper --runner batch</code>, or <code>adgap paper</code> on a GPU machine, with the same store; the sweep resumes.'
    : '';
  return `<section data-dataset="${escapeHtml(dataset)}" data-not-run>
<h2>${escapeHtml(dataset)}</h2>
<p>Not run yet: no results for this group.${why}</p>
</section>`;
}

function tableRow(row: ReportRow, columns: Columns): string {
  // A cell of two lines (majority, minority) breaks between them.
  const cells = columns.map(
    (c) => `<td>${escapeHtml(c.format.text(c.value(row))).replaceAll('\n', '<br>')}</td>`,
  );
  return `<tr>${cells.join('')}</tr>`;
}
