// `npm run schemas`: writes the JSON Schemas generated from their zod source (src/results/run-result.ts).
// test/results/run-result.test.ts fails when a committed file differs from what this writes.
import { writeFile } from 'node:fs/promises';
import { runResultJsonSchema } from '../src/results/run-result.js';

await writeFile(
  new URL('./run-result.schema.json', import.meta.url),
  `${JSON.stringify(runResultJsonSchema(), null, 2)}\n`,
);
