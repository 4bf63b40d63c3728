import type { ReportRow } from './report.js';

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
