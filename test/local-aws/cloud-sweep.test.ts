import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { datasetId } from '../../src/datasets/dataset-id.js';
import { manifestKey } from '../../src/datasets/manifest.js';
import { readPlan } from '../../src/results/stored-sweep.js';
import { failuresPrefix, resultsPrefix } from '../../src/store/layout.js';
import { listAll } from '../../src/store/object-store.js';
import { expandRuns } from '../../src/sweep/expand.js';
import { parseSweepFile } from '../../src/sweep/schema.js';
import { adgap } from '../helpers/cli.js';
import { type LocalAws, startLocalAws, synthesize } from '../support/local-aws/local-aws.js';
import { waitForStatus } from '../support/local-aws/sweep-status.js';

/**
 * The cloud path end to end on this machine: `cdk synth`, then the CLI as after `cdk deploy` (stack outputs file,
 * `--runner batch`), the template's CPU job definition running the trainer image in docker, results in S3, and
 * the template's API function serving the report. Needs docker and the trainer's base images (.ci/docker-e2e
 * provides both), so it runs only with ADGAP_DOCKER_E2E=1.
 */
const enabled = process.env.ADGAP_DOCKER_E2E === '1';
if (!enabled)
  console.info('test/local-aws/cloud-sweep.test.ts skipped: set ADGAP_DOCKER_E2E=1 to run it (needs docker)');

/** Runs of a few epochs on a small Gaussian set, one run per job (--chunk-size 1): an array of `seeds` children. */
const sweepYaml = (name: string, seeds: number[], R: number[] = [2]) => `name: ${name}
datasets:
  - group: gaussian
    sizes: { train: 400, validation: 100, test: 100 }
    synthetic: { dim: 10, meanNonZero: 5 }
R: [${R.join(', ')}]
seeds: [${seeds.join(', ')}]
learningRates: [0.01]
epochs: 3
patience: 2
modes: [standard]
`;

/** Seconds between SIGTERM and SIGKILL when the local Batch stops a container (30 on AWS). */
const GRACE_SECONDS = 3;
const NAME = `adgap-e2e-${process.pid}`;

describe.skipIf(!enabled)('a sweep on the local AWS (the synthesized stack, jobs in docker)', () => {
  let aws: LocalAws;
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'adgap-cloud-sweep-'));
    await synthesize(join(folder, 'cdk.out'));
    aws = await startLocalAws({
      cdkOut: join(folder, 'cdk.out'),
      launcher: 'docker',
      stopGraceSeconds: GRACE_SECONDS,
      name: NAME,
    });
  }, 900_000);
  afterAll(async () => {
    await aws?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const cli = async (...args: string[]) => {
    const out = await adgap(args, aws.env);
    expect(out.code, out.stderr).toBe(0);
    return out.stdout;
  };
  const sweepFile = async (name: string, yaml: string) => {
    const file = join(folder, `${name}.yaml`);
    await writeFile(file, yaml);
    return file;
  };
  /** `adgap sweep run --runner batch` as after `cdk deploy`; returns the sweep id. */
  const submit = async (file: string) => {
    const out = await cli(
      ...['sweep', 'run', file, '--runner', 'batch', '--queue', 'cpu', '--outputs', aws.outputsFile],
      ...['--store', aws.storeUri, '--chunk-size', '1'],
    );
    return /^sweep: (\S+)$/m.exec(out)?.[1] as string;
  };
  /** The same sweep by local processes into a folder store: the reference every report must equal. */
  const localReport = async (file: string, sweepId: string) => {
    const store = join(folder, `local-${sweepId}`);
    await cli('sweep', 'run', file, '--store', store, '--runner', 'local');
    return JSON.parse(await cli('report', sweepId, '--store', store, '--format', 'json'));
  };
  const apiReport = async (sweepId: string) => {
    const response = await fetch(new URL(`sweeps/${sweepId}/report`, aws.apiUrl));
    expect(response.status).toBe(200);
    return (await response.json()) as { runs: unknown };
  };
  const store = () => aws.s3.store('');
  const keys = async (prefix: string) => {
    const found: string[] = [];
    for await (const object of listAll(store(), prefix)) found.push(object.key);
    return found;
  };
  /** The Batch children of a sweep's submissions, as the local Batch describes them. */
  const children = async (sweepId: string) => {
    const submissions = JSON.parse(
      new TextDecoder().decode(await store().get(`sweeps/${sweepId}/batch-jobs.json`)),
    ).submissions as { jobId: string; jobCount: number }[];
    return submissions.flatMap((s) =>
      s.jobCount > 1
        ? Array.from({ length: s.jobCount }, (_, i) => aws.batch.describe(`${s.jobId}:${i}`))
        : [aws.batch.describe(s.jobId)],
    );
  };
  /**
   * How many times each run finished training, over every container of every attempt since `since` (run ids
   * name a run's inputs, not its sweep, so the same run in two sweeps of this file counts in both).
   */
  const trainings = (since: Map<string, number> = new Map()) => {
    const counts = new Map<string, number>([...since].map(([id, n]) => [id, -n]));
    for (const line of aws.batch.logs().flatMap((log) => log.split('\n'))) {
      const runId = /^\{"event":"run-finished","runId":"([^"]+)"/.exec(line)?.[1];
      if (runId) counts.set(runId, (counts.get(runId) ?? 0) + 1);
    }
    return new Map([...counts].filter(([, n]) => n > 0));
  };
  const until = async (what: string, condition: () => Promise<boolean> | boolean) => {
    const deadline = Date.now() + 300_000;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const figures: string[] = [];
  afterAll(() => {
    if (figures.length > 0) console.info(`local AWS fault figures:\n  ${figures.join('\n  ')}`);
  });

  it('cdk synth -> sweep run --runner batch -> trainer containers -> results in S3 -> status finished -> the API report equals a local-process run', async () => {
    const file = await sweepFile('e2e', sweepYaml('cloud-e2e', [1, 2, 3]));
    const sweepId = await submit(file);
    const status = await waitForStatus((...a) => adgap(a, aws.env), sweepId, aws.storeUri);
    expect(status).toContain('runs: 3 planned, 3 finished, 0 failed, 0 pending');
    expect(status).toMatch(/ SUCCEEDED: SUCCEEDED 3$/m);
    // Every child ran the template's command in the trainer image, with its array index and first attempt.
    for (const child of await children(sweepId)) {
      expect(child?.status).toBe('SUCCEEDED');
      expect(child?.attempts).toHaveLength(1);
    }
    const report = await apiReport(sweepId);
    expect(report.runs).toEqual({ expected: 3, finished: 3, failed: 0 });
    expect(report).toEqual(await localReport(file, sweepId));
  }, 600_000);

  it('a Spot reclaim (SIGTERM, SIGKILL after the grace period) is retried by the stack’s retry strategy: no run lost or duplicated, the report equals an uninterrupted run’s', async () => {
    const file = await sweepFile('reclaim', sweepYaml('cloud-reclaim', [1, 2, 3, 4]));
    const baseline = trainings();
    const sweepId = await submit(file);
    let reason = '';
    let reclaimed = '';
    let kept = new Map<string, string>();
    // Reclaimed once some runs have finished: those must survive it untouched.
    await until('a finished run and a running child to reclaim', async () => {
      const running = (await children(sweepId)).find((c) => c?.status === 'RUNNING');
      if (running === undefined) return false;
      const finished = await keys(resultsPrefix(sweepId));
      if (finished.length === 0) return false;
      kept = new Map(
        await Promise.all(
          finished.map(async (k) => [k, new TextDecoder().decode(await store().get(k))] as const),
        ),
      );
      try {
        reason = await aws.batch.reclaim(running.jobId);
        reclaimed = running.jobId;
        return true;
      } catch {
        return false; // it ended between the look and the reclaim
      }
    });
    expect(reason).toMatch(/^Host EC2 \(instance i-[0-9a-f]{17}\) terminated\.$/);
    const status = await waitForStatus((...a) => adgap(a, aws.env), sweepId, aws.storeUri);
    expect(status).toContain('runs: 4 planned, 4 finished, 0 failed, 0 pending');
    const child = aws.batch.describe(reclaimed);
    expect(child?.status).toBe('SUCCEEDED');
    expect(child?.attempts.map((a) => a.statusReason)).toEqual([
      reason,
      'Essential container in task exited',
    ]);

    const results = await keys(resultsPrefix(sweepId));
    const counts = trainings(baseline);
    const plan = await readPlan(store(), sweepId);
    const runIds = plan.jobs.flatMap((j) => j.runs.map((r) => r.runId));
    const lost = runIds.filter((id) => !results.some((k) => k.includes(id))).length;
    const trainedTwice = runIds.filter((id) => (counts.get(id) ?? 0) > 1).length;
    expect(lost).toBe(0);
    expect(results).toHaveLength(runIds.length);
    for (const [key, body] of kept) expect(new TextDecoder().decode(await store().get(key))).toBe(body);
    expect(await apiReport(sweepId)).toEqual(await localReport(file, sweepId));
    figures.push(
      `spot reclaim: 1 of 4 children reclaimed after ${kept.size} run(s) had finished (kept unchanged), retried as attempt 2; runs lost ${lost}, trained twice ${trainedTwice}, results duplicated ${results.length - runIds.length}`,
    );
  }, 600_000);

  it('a child that crashes is not retried: its runs get failure records with the real cause, status counts them failed, and a second sweep run trains only them', async () => {
    const yaml = sweepYaml('cloud-crash', [1, 2], [2, 4]);
    const file = await sweepFile('crash', yaml);
    // The R=4 dataset is "prepared" but unreadable: its jobs fail on it, the R=2 jobs train.
    const broken = expandRuns(parseSweepFile(parse(yaml))).find((r) => r.dataset.R === 4);
    const brokenKey = manifestKey(datasetId(broken?.dataset as NonNullable<typeof broken>['dataset']));
    await store().put(brokenKey, 'not a manifest');
    const baseline = trainings();
    const sweepId = await submit(file);
    const status = await waitForStatus((...a) => adgap(a, aws.env), sweepId, aws.storeUri);
    expect(status).toContain('runs: 4 planned, 2 finished, 2 failed, 0 pending');
    const failed = (await children(sweepId)).filter((c) => c?.status === 'FAILED');
    expect(failed).toHaveLength(2);
    for (const child of failed) {
      // The stack's rules: only a reclaimed host is retried; this exit matches `EXIT on *`.
      expect(child?.attempts).toHaveLength(1);
      expect(child?.attempts[0]?.container.exitCode).not.toBe(0);
      expect(child?.statusReason).toBe('Essential container in task exited');
    }
    const records = await keys(failuresPrefix(sweepId));
    expect(records).toHaveLength(2);
    for (const key of records) {
      const record = JSON.parse(new TextDecoder().decode(await store().get(key)));
      expect(record.error).toContain(`${brokenKey} in ${aws.storeUri}: not valid JSON`);
    }
    const firstResults = await keys(resultsPrefix(sweepId));
    const firstTrainings = trainings();

    await store().delete(brokenKey);
    const again = await cli(
      ...['sweep', 'run', file, '--runner', 'batch', '--queue', 'cpu', '--outputs', aws.outputsFile],
      ...['--store', aws.storeUri],
    );
    expect(again).toMatch(/submitted to AWS Batch/);
    const final = await waitForStatus((...a) => adgap(a, aws.env), sweepId, aws.storeUri);
    expect(final).toContain('runs: 4 planned, 4 finished, 0 failed, 0 pending');
    // Only the failed runs were trained again.
    const retrained = [...trainings()]
      .filter(([id, n]) => n > (firstTrainings.get(id) ?? 0))
      .map(([id]) => id);
    expect(retrained.sort()).toEqual(records.map((k) => k.slice(failuresPrefix(sweepId).length, -5)).sort());
    const results = await keys(resultsPrefix(sweepId));
    expect(results.filter((k) => firstResults.includes(k))).toHaveLength(2);
    const trainedTwice = [...trainings(baseline).values()].filter((n) => n > 1).length;
    figures.push(
      `child crash: 2 of 4 children failed (not retried), 2 failure records; second sweep run trained ${retrained.length}; runs lost ${4 - results.length}, trained twice ${trainedTwice}, results duplicated ${results.length - 4}`,
    );
  }, 600_000);

  it('the same child executed twice at once (at-least-once delivery) leaves exactly one result per run', async () => {
    const file = await sweepFile('twice', sweepYaml('cloud-twice', [1, 2]));
    const baseline = trainings();
    aws.batch.deliveries = 2;
    let sweepId: string;
    try {
      sweepId = await submit(file);
      const status = await waitForStatus((...a) => adgap(a, aws.env), sweepId, aws.storeUri);
      expect(status).toContain('runs: 2 planned, 2 finished, 0 failed, 0 pending');
    } finally {
      aws.batch.deliveries = 1;
    }
    const results = await keys(resultsPrefix(sweepId));
    const counts = trainings(baseline);
    const plan = await readPlan(store(), sweepId);
    const runIds = plan.jobs.flatMap((j) => j.runs.map((r) => r.runId));
    expect(results).toHaveLength(2);
    expect(await keys(failuresPrefix(sweepId))).toEqual([]);
    const trainedTwice = runIds.filter((id) => (counts.get(id) ?? 0) > 1).length;
    // The second copy of an attempt finds the lease held by the first, or every run with a result once it was released.
    expect(trainedTwice).toBe(0);
    expect(await apiReport(sweepId)).toEqual(await localReport(file, sweepId));
    figures.push(
      `duplicate delivery: 2 children each run twice at once; runs lost 0, trained twice ${trainedTwice}, results duplicated ${results.length - runIds.length}`,
    );
  }, 600_000);

  it('sweep cancel while children run stops them and keeps the finished results', async () => {
    const file = await sweepFile('cancel', sweepYaml('cloud-cancel', [1, 2, 3, 4, 5, 6]));
    const sweepId = await submit(file);
    await until('a finished run and a running child', async () => {
      const running = (await children(sweepId)).some((c) => c?.status === 'RUNNING');
      return running && (await keys(resultsPrefix(sweepId))).length > 0;
    });
    const before = await keys(resultsPrefix(sweepId));
    const out = await cli('sweep', 'cancel', sweepId, '--store', aws.storeUri);
    expect(out).toMatch(/^terminated: /);
    await until('every child to end', async () =>
      (await children(sweepId)).every((c) => c?.status === 'SUCCEEDED' || c?.status === 'FAILED'),
    );
    const containers = execFileSync('docker', ['ps', '-q', '--filter', `name=${NAME}`], { encoding: 'utf8' });
    expect(containers.trim()).toBe('');
    const after = await keys(resultsPrefix(sweepId));
    expect(after).toEqual(expect.arrayContaining(before));
    const cancelled = (await children(sweepId)).filter((c) => c?.status === 'FAILED');
    expect(cancelled.length).toBeGreaterThan(0);
    for (const child of cancelled)
      expect(child?.statusReason).toBe(`cancelled by adgap sweep cancel ${sweepId}`);
    const status = await cli('sweep', 'status', sweepId, '--store', aws.storeUri);
    expect(status).toContain(`runs: 6 planned, ${after.length} finished`);
    figures.push(
      `sweep cancel: ${cancelled.length} of 6 children stopped or cancelled; results before cancel ${before.length}, kept ${after.filter((k) => before.includes(k)).length}, at the end ${after.length}; runs lost 0 (the rest pending for the next sweep run)`,
    );
  }, 600_000);
});
