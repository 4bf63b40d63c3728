// Prints, for a sweep trained with `evaluation: [pgd, exact]` (or evaluated with `adgap evaluate --with exact`),
// how far the attack-based robust figures are from the exact ones (docs/protocol-notes.md):
//   npx tsx bench/exact-gap/summary.ts <store> <sweep-id>
// Per run: exact robust accuracy against the training attack (equal where that attack is exact: unclipped
// FGSM/FGM on a linear model) and against evaluation PGD (never above it); per report row: robust AD under PGD
// and exact, and their difference, paired by seed.
import { reportFromStore } from '../../src/application/report.js';
import { readEvaluations } from '../../src/results/evaluations.js';
import { readResults } from '../../src/results/stored-results.js';
import { openStore } from '../../src/store/open-store.js';
import { accuracy } from '../../src/train/result.js';

const [storeUri, sweepId] = process.argv.slice(2);
if (!storeUri || !sweepId) throw new Error('usage: summary.ts <store> <sweep-id>');
const store = openStore(storeUri);
const { results } = await readResults(store, sweepId);
const exact = await readEvaluations(store, sweepId, 'exact');
const counts = { runs: 0, equalToTraining: 0, equalToPgd: 0, belowPgd: 0, abovePgd: 0 };
let largestBelowPgd = 0;
for (const [runId, record] of exact) {
  const robust = results.get(runId)?.metrics.robust;
  if (!robust) continue;
  counts.runs += 1;
  const same = (a: [number, number], b: [number, number]) => a[0] === b[0] && a[1] === b[1];
  const e = record.result.testBalanced;
  if (same(e.correct, robust.trainingAttack.testBalanced.correct)) counts.equalToTraining += 1;
  const pgdAccuracy = accuracy(robust.pgd.testBalanced);
  if (same(e.correct, robust.pgd.testBalanced.correct)) counts.equalToPgd += 1;
  else if (accuracy(e) < pgdAccuracy) counts.belowPgd += 1;
  if (e.correct[0] > robust.pgd.testBalanced.correct[0] || e.correct[1] > robust.pgd.testBalanced.correct[1])
    counts.abovePgd += 1;
  largestBelowPgd = Math.max(largestBelowPgd, pgdAccuracy - accuracy(e));
}
console.log(`${sweepId}: ${counts.runs} adversarial runs with an exact record`);
console.log(
  `  exact = training attack on ${counts.equalToTraining}; exact = PGD on ${counts.equalToPgd}; exact < PGD (balanced accuracy) on ${counts.belowPgd}, by at most ${largestBelowPgd.toFixed(4)}; a class above PGD on ${counts.abovePgd}`,
);
const report = await reportFromStore(store, sweepId, { evaluations: ['pgd', 'exact'] });
const f = (x: { mean: number; stderr: number } | null | undefined) =>
  x ? `${x.mean >= 0 ? '+' : ''}${x.mean.toFixed(4)} ± ${x.stderr.toFixed(4)}` : '-';
console.log('  | R | mode | robust AD (PGD) | robust AD (exact) | exact - PGD |');
console.log('  |---|---|---|---|---|');
for (const row of report.rows) {
  if (row.mode === 'standard') continue;
  const e = row.evaluations?.exact;
  console.log(
    `  | ${row.R} | ${row.mode} | ${f(row.robustAdPgd)} | ${f(e?.robustAd)} | ${f(e?.robustAdMinusPgd)} |`,
  );
}
