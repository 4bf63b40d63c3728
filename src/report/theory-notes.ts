import type { ReportRow } from './report.js';
import type { SelectionRule } from './selection.js';

/** One dataset and R where theory's optimal linear rule is the trivial one. */
export interface TrivialRuleNote {
  dataset: string;
  group: string;
  R: number;
  text: string;
}

/**
 * Where theory predicts the trivial rule, which predicts the majority everywhere (AD 1): the robust rule where
 * the attack leaves no margin, and under heavy tails both rules beyond an R that depends on the margin
 * (docs/theory.md). One note per dataset and R, for the terminal and HTML reports.
 */
export function trivialRuleNotes(rows: readonly ReportRow[]): TrivialRuleNote[] {
  const notes = new Map<string, { row: ReportRow; standard: boolean; robustModes: string[] }>();
  for (const row of rows) {
    if (!row.theory || !(row.theory.trivial.standard || row.theory.trivial.robust)) continue;
    const key = `${row.dataset}|${row.R}`;
    const note = notes.get(key) ?? { row, standard: false, robustModes: [] };
    note.standard ||= row.theory.trivial.standard;
    if (row.theory.trivial.robust) note.robustModes.push(row.mode);
    notes.set(key, note);
  }
  return [...notes.values()].map(({ row, standard, robustModes }) => {
    const which = [
      ...(standard ? ['the standard rule'] : []),
      ...(robustModes.length > 0
        ? [`the robust rule${robustModes.length > 1 ? 's' : ''} of ${robustModes.join(', ')}`]
        : []),
    ].join(' and ');
    return {
      dataset: row.dataset,
      group: row.group,
      R: row.R,
      text: `theory predicts the trivial rule (the majority everywhere, AD 1) for ${which} (docs/theory.md)`,
    };
  });
}

/** Where a measured gap of AD sits below theory by more than 3 standard errors and at least this much. */
const PARTING = 0.05;

/** One selection rule and dataset where the measured gaps of AD fall short of theory. */
export interface PartingNote {
  dataset: string;
  selection: SelectionRule;
  text: string;
}

/**
 * Where measurement and theory part: rows whose measured gap of AD lies below theory's by more than
 * max(3 stderr, 0.05). Under the paper's rule (clean-val) docs/theory.md explains why: selection by clean
 * validation loss picks checkpoints near the standard rule. One note per (selection, dataset).
 */
export function partingNotes(rows: readonly ReportRow[]): PartingNote[] {
  const notes = new Map<string, { row: ReportRow; parts: string[] }>();
  for (const row of rows) {
    if (!row.theory || !row.adGap) continue;
    const shortfall = row.theory.adGap - row.adGap.mean;
    if (!(shortfall > Math.max(3 * row.adGap.stderr, PARTING))) continue;
    const key = `${row.selection}|${row.dataset}`;
    const note = notes.get(key) ?? { row, parts: [] };
    note.parts.push(`R ${row.R} ${row.mode} ${signed(row.adGap.mean)} against ${signed(row.theory.adGap)}`);
    notes.set(key, note);
  }
  return [...notes.values()].map(({ row, parts }) => ({
    dataset: row.dataset,
    selection: row.selection,
    text: `Measurement and theory part: gap of AD ${parts.join(', ')}. ${
      row.selection === 'clean-val'
        ? 'Selection by clean validation loss picks near-standard checkpoints (an early epoch, a fast learning rate), so measured gaps fall short of theory at large R; compare the robust-val and last-epoch rules (docs/theory.md, "Where measurement and theory part").'
        : 'docs/theory.md, "Where measurement and theory part", discusses why a selected checkpoint can sit between the standard and the robust optimum.'
    }`,
  }));
}

const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;
