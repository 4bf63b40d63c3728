import {
  datasetPrefix,
  failuresPrefix,
  LEASES_PREFIX,
  resultsPrefix,
  SWEEPS_PREFIX,
  sweepPrefix,
} from '../src/store/layout.js';

/** In an S3 ARN `*` matches any characters, `/` included; here it stands for any dataset or sweep id. */
const ANY_ID = '*';

/** IAM key patterns built from the store layout, so policies follow the layout if it changes. */
export const KEY_PATTERNS = {
  datasets: `${datasetPrefix(ANY_ID)}*`,
  sweeps: `${SWEEPS_PREFIX}*`,
  results: `${resultsPrefix(ANY_ID)}*`,
  failures: `${failuresPrefix(ANY_ID)}*`,
  // Kept weights and the evaluation records computed from them (src/results/kept-weights.ts, evaluations.ts).
  weights: `${sweepPrefix(ANY_ID)}weights/*`,
  evaluations: `${sweepPrefix(ANY_ID)}evaluations/*`,
  // The API's cache of computed reports (issue 6) lives next to the sweep it summarises.
  reportCache: `${sweepPrefix(ANY_ID)}report-cache/*`,
  // Job leases (src/results/leases.ts): a top-level prefix, so one lifecycle rule can expire them.
  leases: `${LEASES_PREFIX}*`,
  everything: '*',
} as const;
