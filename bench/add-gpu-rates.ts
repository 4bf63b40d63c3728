/**
 * Adds the cuda rates bench/gpu-check.sh measured on a GPU machine (its $OUT/gpu-rates.json) to
 * bench/rates.json, replacing the cuda rates of the same cases; `adgap sweep plan` then estimates the GPU
 * queue from them. Only a measurement gets there: entries must be cuda rates measured on a GPU.
 *
 *   npx tsx bench/add-gpu-rates.ts <gpu-rates.json>
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ratesFileSchema } from '../src/sweep/wall-time.js';

const source = process.argv[2];
if (!source) throw new Error('usage: npx tsx bench/add-gpu-rates.ts <gpu-rates.json>');
const measured = ratesFileSchema.parse(JSON.parse(await readFile(source, 'utf8')));
for (const rate of measured) {
  if (rate.engine !== 'cuda' || !rate.backend.startsWith('cuda '))
    throw new Error(
      `${source}: '${rate.case}' is not a cuda rate measured on a GPU (backend '${rate.backend}')`,
    );
}
const RATES = fileURLToPath(new URL('./rates.json', import.meta.url));
const cases = new Set(measured.map((r) => r.case));
const kept = ratesFileSchema
  .parse(JSON.parse(await readFile(RATES, 'utf8')))
  .filter((r) => !(r.engine === 'cuda' && cases.has(r.case)));
await writeFile(`${RATES}.tmp`, `${JSON.stringify([...kept, ...measured], null, 2)}\n`);
await rename(`${RATES}.tmp`, RATES);
process.stdout.write(`added ${measured.length} cuda rate(s) to ${RATES}\n`);
