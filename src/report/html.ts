import type { Report, ReportRow } from './report.js';
import type { MeanStderr } from './statistics.js';
import { trivialRuleNotes } from './theory-notes.js';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const cell = (v: MeanStderr | null) =>
  v === null
    ? '<td>-</td>'
    : `<td>${v.mean >= 0 ? '+' : ''}${v.mean.toFixed(4)} ± ${v.stderr.toFixed(4)}</td>`;

/**
 * A self-contained page: per dataset, the two figure-1 panels (inline SVG in `<figure data-panel=...>`) and
 * the table of AD and both gaps. No script and no external resource, so it renders anywhere, offline.
 */
export async function reportHtml(report: Report): Promise<string> {
  // vega takes a good part of a second to load: only HTML requests pay for it, not a cold start serving JSON.
  const { figurePanels } = await import('./figure.js');
  const panels = await figurePanels(report);
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
    const rows = report.rows.filter((r) => r.dataset === dataset).map(tableRow);
    const notes = trivialRuleNotes(datasetRows).map(
      (note) => `<p data-theory-note>R ${note.R}: ${escapeHtml(note.text)}</p>`,
    );
    return `<section data-dataset="${escapeHtml(dataset)}">
<h2>${escapeHtml(dataset)}</h2>
<div class="panels">${figures}</div>
<table>
<thead><tr><th>R</th><th>objective</th><th>fidelity</th><th>mode</th><th>AD</th><th>AD gap</th><th>accuracy gap</th><th>robust AD</th><th>robust AD (PGD)</th><th>clean acc (maj, min)</th><th>robust acc (maj, min)</th><th>boundary error (maj, min)</th><th>worst-class acc</th><th>worst-class robust acc</th><th>seeds</th></tr></thead>
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
AD = acc(majority) − acc(minority) on the balanced test set; AD gap = AD(robust) − AD(standard);
accuracy gap = acc(standard) − acc(robust) on the imbalanced test set; robust AD = AD on the balanced test set
attacked with the training attack, or with evaluation PGD; per-class accuracies on the balanced test set, robust
under evaluation PGD, boundary error = clean − robust accuracy; mean ± standard error over seeds. Objective:
clean = loss on the adversarial batch, reference = the reference code's leak; fidelity: adgap, or reference =
the reference code's three quirks (docs/protocol-notes.md). Compare rows of the same objective and fidelity.</p>
${sections.join('\n')}
</body>
</html>
`;
}

/**
 * A group without any result yet says so instead of drawing empty panels. CIFAR-10 says why too: its MLP with
 * 40-50-step PGD takes days on CPU, so `adgap paper` leaves it for a GPU engine (cuda or tfjs-node-gpu) or the batch runner.
 */
function notRunSection(dataset: string, group: string | undefined): string {
  const why =
    group === 'cifar10'
      ? ' CIFAR-10 trains only on a GPU engine (the cuda addon or tfjs-node-gpu) or on the batch runner (days on CPU): run <code>adgap paper --runner batch</code>, or <code>adgap paper</code> on a GPU machine, with the same store; the sweep resumes.'
      : '';
  return `<section data-dataset="${escapeHtml(dataset)}" data-not-run>
<h2>${escapeHtml(dataset)}</h2>
<p>Not run yet: no results for this group.${why}</p>
</section>`;
}

function tableRow(row: ReportRow): string {
  const n = row.ad?.n ?? 0;
  const seeds = row.seedsMissing.length === 0 ? String(n) : `${n} (missing ${row.seedsMissing.join(', ')})`;
  const pair = ([majority, minority]: [MeanStderr | null, MeanStderr | null]) =>
    majority === null || minority === null
      ? '<td>-</td>'
      : `<td>${majority.mean.toFixed(4)} ± ${majority.stderr.toFixed(4)}<br>${minority.mean.toFixed(4)} ± ${minority.stderr.toFixed(4)}</td>`;
  return `<tr><td>${row.R}</td><td>${escapeHtml(row.objective)}</td><td>${escapeHtml(row.fidelity)}</td><td>${escapeHtml(row.mode)}</td>${cell(row.ad)}${cell(row.adGap)}${cell(row.accuracyGap)}${cell(row.robustAd)}${cell(row.robustAdPgd)}${pair(row.cleanAccuracy)}${pair(row.robustAccuracy)}${pair(row.boundaryError)}${cell(row.worstClassCleanAccuracy)}${cell(row.worstClassRobustAccuracy)}<td>${seeds}</td></tr>`;
}
