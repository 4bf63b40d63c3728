import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { ValidationError } from '../errors.js';
import type { KeptWeightEvaluation } from '../train/robustness/kept-evaluation.js';
import type { Report, ReportRow } from './report.js';
import { DEFAULT_SELECTION, type SelectionRule } from './selection.js';
import type { MeanStderr } from './statistics.js';

/** The two gaps of the paper's figure 1, each with its closed-form prediction where theory has one. */
export const FIGURE_PANELS = [
  {
    title: 'Gap of AD',
    axis: 'AD(robust) − AD(standard)',
    pick: (row: ReportRow) => row.adGap,
    theory: (row: ReportRow) => row.theory?.adGap,
  },
  {
    title: 'Gap of standard accuracy',
    axis: 'acc(standard) − acc(robust)',
    pick: (row: ReportRow) => row.accuracyGap,
    theory: (row: ReportRow) => row.theory?.accuracyGap,
  },
] as const;

/** How each selection rule is named on the figure and the page. */
export const SELECTION_TITLES: Record<SelectionRule, string> = {
  'clean-val': "selection by clean validation loss (the paper's)",
  'robust-val': 'selection by robust validation loss',
  'last-epoch': 'last epoch (learning rate by clean validation loss)',
};

/**
 * With evaluations beyond PGD (`--evaluation`), robust AD under each beside robust AD under evaluation PGD: how
 * far the paper's attack-based figure is from the exact one (linear models) or from APGD's. Drawn in the
 * clean-val figure only: the kept weights are that rule's checkpoints.
 */
function evaluationPanels(evaluations: readonly KeptWeightEvaluation[]) {
  if (evaluations.length === 0) return [];
  return [
    { title: 'Robust AD (PGD)', pick: (row: ReportRow) => row.robustAdPgd },
    ...evaluations.map((evaluation) => ({
      title: `Robust AD (${evaluation === 'exact' ? 'exact' : 'APGD'})`,
      pick: (row: ReportRow) => row.evaluations?.[evaluation]?.robustAd ?? null,
    })),
  ];
}

const MEASURED = 'measured: mean ± 1 SE over seeds';
const THEORY = 'theory: optimal linear rule';

/** One row of the figure: a dataset group, with a panel per (gap, norm) it has robust rows for. */
export interface FigureRow {
  dataset: string;
  name: string;
  /** Panel titles, left to right: `<gap>, <norm>`. */
  panels: string[];
  hasTheory: boolean;
}

export interface Figure {
  selection: SelectionRule;
  rows: FigureRow[];
  /** Standalone SVG of the whole grid, drawn by vega without a DOM. */
  svg: string;
}

/**
 * The figure of each rule, stacked, as one standalone SVG (`adgap report --format svg`, the API's ?format=svg);
 * undefined when no rule has a measured robust point.
 */
export async function figureSvg(
  report: Report,
  selections: readonly SelectionRule[],
): Promise<string | undefined> {
  const specs = selections.flatMap((rule) => {
    const built = figureSpec(report, rule);
    return built ? [built.spec] : [];
  });
  if (specs.length === 0) return undefined;
  return renderSvg(
    specs.length === 1 ? (specs[0] as TopLevelSpec) : ({ ...FIGURE_CONFIG, vconcat: specs } as TopLevelSpec),
  );
}

const FIGURE_CONFIG = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  background: 'white',
  padding: 8,
  resolve: { scale: { y: 'independent' } },
  config: {
    legend: { orient: 'bottom', columns: 3, labelLimit: 260 },
    concat: { spacing: 18 },
  },
};

/**
 * Figure 1 of the paper under one selection rule: one row of panels per dataset group, the gap of AD and the gap of
 * standard accuracy against R (a numeric axis), l2 and linf on their own panels, one line per radius with error
 * bars of one standard error, and where theory predicts the gap a dashed line with open diamonds per radius.
 * Radii of a panel are dodged a little along R so that lines which coincide (equal predictions) stay visible.
 * Undefined when no row of the rule has a measured robust point.
 */
export async function figure(report: Report, selection: SelectionRule): Promise<Figure | undefined> {
  const built = figureSpec(report, selection);
  return built && { selection, rows: built.rows, svg: await renderSvg(built.spec) };
}

function figureSpec(
  report: Report,
  selection: SelectionRule,
): { spec: TopLevelSpec; rows: FigureRow[] } | undefined {
  const rows = report.rows.filter((r) => r.selection === selection);
  const datasets = [...new Set(rows.map((r) => r.dataset))];
  const figureRows: FigureRow[] = [];
  // One colour per radius across the figure, so one legend serves every panel.
  const allModes = [...new Set(rows.filter((r) => r.mode !== 'standard').map((r) => r.mode))];
  const specs: TopLevelSpec[] = [];
  for (const dataset of datasets) {
    const robust = rows.filter((r) => r.dataset === dataset && r.mode !== 'standard');
    const name = robust[0]?.datasetName ?? dataset;
    const norms = [...new Set(robust.map((r) => normOf(r.mode)))].sort();
    const panels: { title: string; spec: TopLevelSpec }[] = [];
    let hasTheory = false;
    for (const gap of FIGURE_PANELS) {
      for (const norm of norms) {
        const ofNorm = robust.filter((r) => normOf(r.mode) === norm);
        const modes = [...new Set(ofNorm.map((r) => r.mode))];
        const dodge = (mode: string) => 0.12 * (modes.indexOf(mode) - (modes.length - 1) / 2);
        const points = ofNorm.flatMap((row) => measuredPoint(row, gap.pick(row), dodge(row.mode)));
        const predicted = ofNorm.flatMap((row) => theoryPoint(row, gap.theory(row), dodge(row.mode)));
        if (points.length === 0 && predicted.length === 0) continue;
        hasTheory ||= predicted.length > 0;
        const title = `${gap.title}, ${norm}`;
        // Vega names marks and their data by the layer's name: each panel's must be its own.
        const id = `${selection.replace('-', '_')}_${figureRows.length}_${panels.length}`;
        panels.push({
          title,
          spec: panelSpec({ id, title, axis: gap.axis, modes: allModes, points, predicted }),
        });
      }
    }
    const evaluated = selection === DEFAULT_SELECTION ? (report.evaluations ?? []) : [];
    for (const extra of evaluationPanels(evaluated)) {
      const points = robust.flatMap((row) => measuredPoint(row, extra.pick(row), 0));
      if (points.length === 0) continue;
      const id = `${selection.replace('-', '_')}_${figureRows.length}_${panels.length}`;
      panels.push({
        title: extra.title,
        spec: panelSpec({
          id,
          title: extra.title,
          axis: 'robust AD',
          modes: allModes,
          points,
          predicted: [],
        }),
      });
    }
    if (panels.length === 0) continue;
    figureRows.push({ dataset, name, panels: panels.map((p) => p.title), hasTheory });
    specs.push({
      title: { text: name, anchor: 'start', fontSize: 14 },
      hconcat: panels.map((p) => p.spec),
    } as TopLevelSpec);
  }
  if (specs.length === 0) return undefined;
  const spec = {
    ...FIGURE_CONFIG,
    title: { text: `Figure 1: ${SELECTION_TITLES[selection]}`, anchor: 'start', fontSize: 15 },
    vconcat: specs,
  } as TopLevelSpec;
  return { spec, rows: figureRows };
}

/** A mode's norm: `linf-0.75` and `linf-0.5-pgd10` are linf. */
const normOf = (mode: string) => mode.split('-')[0] as string;

interface Point {
  R: number;
  x: number;
  mode: string;
  source: string;
  mean: number;
  low: number;
  high: number;
}

function measuredPoint(row: ReportRow, value: MeanStderr | null, dodge: number): Point[] {
  if (value === null || !Number.isFinite(value.mean)) return [];
  const { mean, stderr } = value;
  return [
    {
      R: row.R,
      x: row.R + dodge,
      mode: row.mode,
      source: MEASURED,
      mean,
      low: mean - stderr,
      high: mean + stderr,
    },
  ];
}

interface TheoryPoint {
  R: number;
  x: number;
  mode: string;
  source: string;
  label: string;
  value: number;
}

function theoryPoint(row: ReportRow, value: number | undefined, dodge: number): TheoryPoint[] {
  return value === undefined
    ? []
    : [{ R: row.R, x: row.R + dodge, mode: row.mode, source: THEORY, label: `${row.mode} theory`, value }];
}

function panelSpec({
  id,
  title,
  axis,
  modes,
  points,
  predicted,
}: {
  id: string;
  title: string;
  axis: string;
  modes: string[];
  points: Point[];
  predicted: TheoryPoint[];
}): TopLevelSpec {
  const ratios = [...new Set([...points, ...predicted].map((p) => p.R))].sort((a, b) => a - b);
  const x = {
    field: 'x',
    type: 'quantitative',
    title: 'imbalance ratio R',
    scale: { domain: [0, Math.max(...ratios) + 1], nice: false },
    axis: { values: ratios, format: 'd' },
  } as const;
  const color = { field: 'mode', type: 'nominal', title: 'radius', scale: { domain: modes } } as const;
  const dash = {
    field: 'source',
    type: 'nominal',
    title: 'line',
    legend: {
      symbolType: 'stroke',
      symbolSize: 400,
      symbolStrokeWidth: 2,
      columns: 1,
      labelLimit: 320,
      // The line's point overlay would draw these symbols filled and without a stroke: a dash sample instead.
      encode: { symbols: { update: { stroke: { value: '#444' }, fill: { value: 'transparent' } } } },
    },
    scale: {
      domain: [MEASURED, THEORY],
      range: [
        [1, 0],
        [5, 3],
      ],
    },
  } as const;
  return {
    title: { text: title, fontSize: 12 },
    width: 190,
    height: 180,
    data: { values: points },
    layer: [
      {
        name: `zero_${id}`,
        data: { values: [{}] },
        mark: { type: 'rule', color: '#999' },
        encoding: { y: { datum: 0 } },
      },
      {
        name: `series_${id}`,
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: {
            field: 'mean',
            type: 'quantitative',
            title: axis,
            // Room inside the frame for the points and bars at the extremes, so every panel's title sits alike.
            scale: { padding: 8 },
            axis: { titleFontSize: 10, titleFontWeight: 'normal' },
          },
          color,
          strokeDash: dash,
          description: { field: 'mode' },
        },
      },
      {
        name: `stderr_${id}`,
        mark: 'rule',
        encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color },
      },
      ...(predicted.length === 0
        ? []
        : [
            {
              name: `theory_${id}`,
              data: { values: predicted },
              mark: {
                type: 'line' as const,
                point: { shape: 'diamond', filled: false, size: 50 },
                opacity: 0.85,
              },
              encoding: {
                x,
                y: { field: 'value', type: 'quantitative' as const },
                color,
                strokeDash: dash,
                description: { field: 'label' },
              },
            },
          ]),
    ],
  } as TopLevelSpec;
}

async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The figure as a PNG, rasterized by resvg (a maintained Rust renderer with prebuilt Node binaries) at `scale`. */
export async function figurePng(svg: string, scale = 2): Promise<Uint8Array> {
  let Resvg: typeof import('@resvg/resvg-js').Resvg;
  try {
    ({ Resvg } = await import('@resvg/resvg-js'));
  } catch (error) {
    // The Lambda bundle leaves the native addon out (infra/results-api.ts).
    throw new ValidationError(
      'format',
      `png: this installation has no PNG rasterizer (@resvg/resvg-js: ${(error as Error).message.split('\n')[0]}); ask for svg`,
    );
  }
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
