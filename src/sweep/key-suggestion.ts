/**
 * The allowed key a misspelt one most likely meant (`seed` -> `seeds`, `learning_rates` -> `learningRates`), or
 * undefined when none is close. Case, `_` and `-` are ignored; then the closest by edit distance, if at most a
 * third of the key's length (at least 1) differs. Written here: commander has such a suggester but does not
 * export it, and a dependency for a dozen lines is not worth its upkeep.
 */
export function nearestKey(key: string, allowed: readonly string[]): string | undefined {
  const plain = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const wanted = plain(key);
  let best: { key: string; distance: number } | undefined;
  for (const candidate of allowed) {
    const distance = editDistance(wanted, plain(candidate));
    if (best === undefined || distance < best.distance) best = { key: candidate, distance };
  }
  return best && best.distance <= Math.max(1, Math.floor(wanted.length / 3)) ? best.key : undefined;
}

/** Edit distance counting insertions, deletions, substitutions and swaps of neighbours (`trian` -> `train`: 1). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    const above = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(
        (above[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (above[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}
