import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { KeptWeightEvaluation } from '../train/robustness/kept-evaluation.js';
import type { Report, ReportRow } from './report.js';
import type { MeanStderr } from './statistics.js';

/** The two rows of the paper's figure 1, each with its closed-form prediction where theory has one. */
export const FIGURE_PANELS = [
  {
    panel: 'ad-gap',
    title: 'Gap of AD',
    pick: (row: ReportRow) => row.adGap,
    theory: (row: ReportRow) => row.theory?.adGap,
  },
  {
    panel: 'accuracy-gap',
    title: 'Gap of standard accuracy',
    pick: (row: ReportRow) => row.accuracyGap,
    theory: (row: ReportRow) => row.theory?.accuracyGap,
  },
] as const;

/**
 * With evaluations beyond PGD (`--evaluation`), robust AD under each beside robust AD under evaluation PGD: how
 * far the paper's attack-based figure is from the exact one (linear models) or from APGD's.
 */
export function evaluationPanels(evaluations: readonly KeptWeightEvaluation[]) {
  if (evaluations.length === 0) return [];
  return [
    { panel: 'robust-ad-pgd', title: 'Robust AD (PGD)', pick: (row: ReportRow) => row.robustAdPgd },
    ...evaluations.map((evaluation) => ({
      panel: `robust-ad-${evaluation}` as const,
      title: `Robust AD (${evaluation === 'exact' ? 'exact' : 'APGD'})`,
      pick: (row: ReportRow) => row.evaluations?.[evaluation]?.robustAd ?? null,
    })),
  ];
}

export type PanelName =
  | (typeof FIGURE_PANELS)[number]['panel']
  | ReturnType<typeof evaluationPanels>[number]['panel'];

export interface FigurePanel {
  dataset: string;
  panel: PanelName;
  title: string;
  /**
   * One `<path aria-label="<mode>">` per robust mode inside `g.series_marks`, error bars in `g.stderr_marks`,
   * and, where theory predicts the gap (docs/theory.md), a dashed `<path aria-label="<mode> theory">` per mode
   * inside `g.theory_marks`.
   */
  svg: string;
  /** Whether the panel draws theory beside the measurements. */
  hasTheory: boolean;
}

/**
 * Figure 1 of the paper for each dataset of a report: a panel per gap, plotted against R with one line per
 * radius (robust mode) and error bars of one standard error. Rendered to SVG on the server by vega, which
 * needs no DOM, so the page shows the figure without any script.
 */
export async function figurePanels(report: Report): Promise<FigurePanel[]> {
  const datasets = [...new Set(report.rows.map((r) => r.dataset))];
  const panels: FigurePanel[] = [];
  for (const dataset of datasets) {
    const robust = report.rows.filter((r) => r.dataset === dataset && r.mode !== 'standard');
    if (robust.length === 0) continue;
    const modes = [...new Set(robust.map((r) => r.mode))];
    for (const { panel, title, pick, theory } of FIGURE_PANELS) {
      const points = robust.flatMap((row) => point(row, pick(row)));
      const predicted = robust.flatMap((row) => theoryPoint(row, theory(row)));
      const svg = await renderSvg(panelSpec(title, modes, points, predicted));
      panels.push({ dataset, panel, title, svg, hasTheory: predicted.length > 0 });
    }
    for (const { panel, title, pick } of evaluationPanels(report.evaluations ?? [])) {
      const points = robust.flatMap((row) => point(row, pick(row)));
      panels.push({
        dataset,
        panel,
        title,
        svg: await renderSvg(panelSpec(title, modes, points, [])),
        hasTheory: false,
      });
    }
  }
  return panels;
}

interface Point {
  R: number;
  mode: string;
  mean: number;
  low: number;
  high: number;
}

function point(row: ReportRow, value: MeanStderr | null): Point[] {
  if (value === null || !Number.isFinite(value.mean)) return [];
  const { mean, stderr } = value;
  return [{ R: row.R, mode: row.mode, mean, low: mean - stderr, high: mean + stderr }];
}

interface TheoryPoint {
  R: number;
  mode: string;
  label: string;
  value: number;
}

function theoryPoint(row: ReportRow, value: number | undefined): TheoryPoint[] {
  return value === undefined ? [] : [{ R: row.R, mode: row.mode, label: `${row.mode} theory`, value }];
}

function panelSpec(title: string, modes: string[], points: Point[], predicted: TheoryPoint[]): TopLevelSpec {
  // R is a handful of ratios (1, 2, 5, 10): evenly spaced categories read better than a numeric axis.
  const x = { field: 'R', type: 'ordinal', title: 'imbalance ratio R', axis: { labelAngle: 0 } } as const;
  const color = { field: 'mode', type: 'nominal', title: 'radius', scale: { domain: modes } } as const;
  return {
    title,
    width: 320,
    height: 240,
    data: { values: points },
    layer: [
      {
        name: 'zero',
        data: { values: [{}] },
        mark: { type: 'rule', color: '#999' },
        encoding: { y: { datum: 0 } },
      },
      {
        name: 'series',
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'mean', type: 'quantitative', title: 'mean ± stderr over seeds' },
          color,
          description: { field: 'mode' },
        },
      },
      {
        name: 'stderr',
        mark: 'rule',
        encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color },
      },
      ...(predicted.length === 0
        ? []
        : [
            {
              name: 'theory',
              data: { values: predicted },
              mark: { type: 'line' as const, strokeDash: [5, 4], point: { shape: 'diamond', filled: false } },
              encoding: {
                x,
                y: { field: 'value', type: 'quantitative' as const },
                color,
                description: { field: 'label' },
              },
            },
          ]),
    ],
  };
}

async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
