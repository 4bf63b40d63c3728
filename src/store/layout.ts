/**
 * Where things live in a store. Every writer and reader goes through these functions.
 *   datasets/<datasetId>/...            prepared datasets (manifest.json and array files)
 *   sweeps/<sweepId>/sweep.json         the validated sweep definition
 *   sweeps/<sweepId>/plan.json          its runs, planned into jobs
 *   sweeps/<sweepId>/results/<runId>.json   one result per finished run (write-once)
 *   sweeps/<sweepId>/weights/<runId>.<sha256[:16]>.npy  the weights of a result's selected checkpoint
 *                                       (write-once, named by content: the result names its object)
 *   sweeps/<sweepId>/evaluations/<method>/<runId>.json  a robust evaluation (exact, apgd) of a result's kept
 *                                       weights (write-once)
 *   sweeps/<sweepId>/evaluation-requests/<method>.json  an `adgap evaluate` request that jobs compute <method>
 *   sweeps/<sweepId>/failures/<runId>.json  the last failure of a run that did not finish
 *   sweeps/<sweepId>/unreadable/<runId>.<ms>.json  a result that could not be read, set aside (never deleted)
 *   sweeps/<sweepId>/batch-jobs.json       the AWS Batch jobs submitted for it (for status and cancel)
 *   leases/<sweepId>/job-<n>/<generation>.json  who trains job n, until when (src/results/leases.ts); outside
 *                                       sweeps/ so that one bucket lifecycle rule can expire them
 *   leases/<sweepId>/job-<n>/<name>.unreadable-<ms>  a lease object that could not be read, set aside
 *   sweeps/<sweepId>/report-cache/report.json  the API's cached report, with the listing it was computed from
 */
export const SWEEPS_PREFIX = 'sweeps/';

export const sweepPrefix = (sweepId: string) => `sweeps/${sweepId}/`;
export const sweepKey = (sweepId: string) => `sweeps/${sweepId}/sweep.json`;
export const planKey = (sweepId: string) => `sweeps/${sweepId}/plan.json`;
export const resultsPrefix = (sweepId: string) => `sweeps/${sweepId}/results/`;
export const resultKey = (sweepId: string, runId: string) => `sweeps/${sweepId}/results/${runId}.json`;
export const weightsKey = (sweepId: string, runId: string, sha256: string) =>
  `sweeps/${sweepId}/weights/${runId}.${sha256.slice(0, 16)}.npy`;
export const evaluationsPrefix = (sweepId: string, method: string) =>
  `sweeps/${sweepId}/evaluations/${method}/`;
export const evaluationKey = (sweepId: string, method: string, runId: string) =>
  `sweeps/${sweepId}/evaluations/${method}/${runId}.json`;
export const evaluationRequestsPrefix = (sweepId: string) => `sweeps/${sweepId}/evaluation-requests/`;
export const evaluationRequestKey = (sweepId: string, method: string) =>
  `sweeps/${sweepId}/evaluation-requests/${method}.json`;
export const batchJobsKey = (sweepId: string) => `sweeps/${sweepId}/batch-jobs.json`;
export const failuresPrefix = (sweepId: string) => `sweeps/${sweepId}/failures/`;
export const failureKey = (sweepId: string, runId: string) => `sweeps/${sweepId}/failures/${runId}.json`;
export const unreadablePrefix = (sweepId: string) => `sweeps/${sweepId}/unreadable/`;
export const unreadableKey = (sweepId: string, runId: string, stampMs: number) =>
  `sweeps/${sweepId}/unreadable/${runId}.${stampMs}.json`;
export const LEASES_PREFIX = 'leases/';
export const leasesPrefix = (sweepId: string) => `leases/${sweepId}/`;
export const leaseKey = (sweepId: string, jobIndex: number, generation: number) =>
  `leases/${sweepId}/job-${jobIndex}/${String(generation).padStart(12, '0')}.json`;
/** Where an unreadable lease object is moved: beside it, under a name no lease reader lists (not `.json`). */
export const unreadableLeaseKey = (key: string, stampMs: number) => `${key}.unreadable-${stampMs}`;
export const reportCacheKey = (sweepId: string) => `sweeps/${sweepId}/report-cache/report.json`;
export const datasetPrefix = (datasetId: string) => `datasets/${datasetId}/`;

/** The run id of a result or failure key. */
export function runIdOfKey(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1).replace(/\.json$/, '');
}
