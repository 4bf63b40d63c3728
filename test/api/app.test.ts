import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { CSV_HEADER, csvHeader } from '../../src/report/columns.js';
import { buildReport, type Report } from '../../src/report/report.js';
import { type EvaluationRecord, writeEvaluation } from '../../src/results/evaluations.js';
import { RUNS_PAGE_SIZE } from '../../src/results/run-query.js';
import type { RunResult } from '../../src/results/run-result.js';
import { writeResult } from '../../src/results/stored-results.js';
import { reportCacheKey } from '../../src/store/layout.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { getJson, putJson } from '../../src/store/object-store.js';
import { S3Store, s3ClientConfig } from '../../src/store/s3.js';
import type { SplitMetrics } from '../../src/train/result.js';
import { robustnessEvaluation } from '../../src/train/robustness/evaluation.js';
import { modeId, type RunSpec } from '../../src/train/run-spec.js';
import { type SyntheticSweep, writeSyntheticSweep } from '../helpers/synthetic-sweep.js';

/** 4 R x 5 modes x 3 seeds x 2 learning rates = 120 runs: more than one page of /runs. */
const FIXTURE = {
  name: 'fixture',
  datasets: ['gaussian'],
  R: [1, 2, 5, 10],
  seeds: [2, 22, 42],
  learningRates: [0.01, 0.001],
  modes: ['standard', { norm: 'linf', eps: [0.5, 1] }, { norm: 'l2', eps: [2.5, 5] }],
};
const failed = (run: RunSpec) => run.dataset.R === 10 && run.seed === 42 && run.learningRate === 0.001;
const pending = (run: RunSpec) => run.dataset.R === 5 && run.seed === 22 && run.mode.kind === 'standard';

let folder: string;
let store: LocalFolderStore;
let sweep: SyntheticSweep;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'adgap-api-'));
  store = new LocalFolderStore(folder);
  sweep = await writeSyntheticSweep(store, FIXTURE, { failed, pending });
  app = createApp(store);
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** The report computed in memory from the fixture's own results, without the store or the API. */
async function expectedReport(): Promise<Report> {
  const results = new Map<string, RunResult>();
  for (const run of sweep.runs) {
    if (failed(run) || pending(run)) continue;
    results.set(
      run.runId,
      await getJson<RunResult>(store, `sweeps/${sweep.sweepId}/results/${run.runId}.json`),
    );
  }
  const failedIds = new Set(sweep.runs.filter((r) => failed(r) && !pending(r)).map((r) => r.runId));
  return buildReport({ sweepId: sweep.sweepId, runs: sweep.runs, results, failedRunIds: failedIds });
}

/** The fixture's finished results, by run id. */
async function finishedResults(): Promise<Map<string, RunResult>> {
  const results = new Map<string, RunResult>();
  for (const run of sweep.runs) {
    if (failed(run) || pending(run)) continue;
    results.set(
      run.runId,
      await getJson<RunResult>(store, `sweeps/${sweep.sweepId}/results/${run.runId}.json`),
    );
  }
  return results;
}

async function getJsonBody(path: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const response = await app.request(path, init);
  return { status: response.status, body: await response.json() };
}

describe('GET /sweeps/{id}/report', () => {
  it('returns as JSON the numbers buildReport computes from the same results', async () => {
    const { status, body } = await getJsonBody(`/sweeps/${sweep.sweepId}/report`);
    expect(status).toBe(200);
    const expected = await expectedReport();
    expect(body).toEqual(JSON.parse(JSON.stringify(expected)));
    // The fixture is partial and has failures, so the comparison covers more than the happy path.
    expect(expected.runs).toEqual({ expected: 120, finished: 113, failed: 5 });
    expect(expected.rows.some((r) => r.adGap !== null && r.adGap.n === 3)).toBe(true);
    expect(expected.rows.some((r) => r.robustAdPgd !== null)).toBe(true);
  });

  it('returns CSV that parses back to the same numbers, via ?format=csv or Accept: text/csv', async () => {
    const expected = await expectedReport();
    for (const init of [{ query: '?format=csv' }, { query: '', headers: { Accept: 'text/csv' } }]) {
      const response = await app.request(`/sweeps/${sweep.sweepId}/report${init.query}`, {
        headers: init.headers ?? {},
      });
      expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(response.headers.get('vary')).toBe('Accept');
      const [header, ...lines] = (await response.text()).trimEnd().split('\n');
      expect(header?.split(',')).toEqual([...CSV_HEADER]);
      const rows = lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [CSV_HEADER[i], v])));
      expect(rows).toHaveLength(expected.rows.length);
      expected.rows.forEach((row, i) => {
        const csv = rows[i] as Record<string, string>;
        expect([csv.dataset, csv.R, csv.mode]).toEqual([row.dataset, String(row.R), row.mode]);
        const number = (v: string | undefined) => (v === '' || v === undefined ? undefined : Number(v));
        // CSV numbers are rounded to CSV_DECIMALS (6); JSON keeps them whole.
        const rounded = (x: number | undefined) => (x === undefined ? undefined : Number(x.toFixed(6)) + 0);
        expect(number(csv.ad_mean)).toBe(rounded(row.ad?.mean));
        expect(number(csv.ad_stderr)).toBe(rounded(row.ad?.stderr));
        expect(number(csv.ad_gap_mean)).toBe(rounded(row.adGap?.mean));
        expect(number(csv.ad_gap_stderr)).toBe(rounded(row.adGap?.stderr));
        expect(number(csv.accuracy_gap_mean)).toBe(rounded(row.accuracyGap?.mean));
        expect(number(csv.accuracy_gap_stderr)).toBe(rounded(row.accuracyGap?.stderr));
        expect(number(csv.robust_ad_mean)).toBe(rounded(row.robustAd?.mean));
        expect(number(csv.robust_ad_pgd_stderr)).toBe(rounded(row.robustAdPgd?.stderr));
      });
    }
  });

  it('returns the rows of each selection rule asked for, side by side, in the order asked', async () => {
    const { status, body } = await getJsonBody(
      `/sweeps/${sweep.sweepId}/report?selection=robust-val,clean-val`,
    );
    expect(status).toBe(200);
    const rows = (body as Report).rows;
    const half = rows.length / 2;
    expect(rows.slice(0, half).every((r) => r.selection === 'robust-val')).toBe(true);
    expect(rows.slice(half).every((r) => r.selection === 'clean-val')).toBe(true);
    const expected = JSON.parse(JSON.stringify(await expectedReport())) as Report;
    expect(rows.slice(half)).toEqual(expected.rows);
    // The fixture's robust-validation checkpoints cost the minority more: larger gaps of AD.
    const gap = (r: Report['rows'][number]) => r.adGap?.mean ?? 0;
    expect(
      rows.slice(0, half).filter((r, i) => gap(r) > gap(rows[half + i] as Report['rows'][number])),
    ).not.toHaveLength(0);
    const bad = await getJsonBody(`/sweeps/${sweep.sweepId}/report?selection=best`);
    expect(bad).toMatchObject({ status: 400, body: { error: { parameter: 'selection' } } });
    expect((bad.body as { error: { message: string } }).error.message).toContain(
      "'best' is not a selection rule (allowed: clean-val, robust-val, last-epoch)",
    );
  });

  it('returns an HTML page with both figure panels when a browser asks', async () => {
    const response = await app.request(`/sweeps/${sweep.sweepId}/report`, {
      headers: { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('<figure data-figure="clean-val">');
    for (const title of ['Gap of AD, l2', 'Gap of AD, linf', 'Gap of standard accuracy, l2'])
      expect(html).toContain(`>${title}</text>`);
    expect(html).not.toContain('<script');
  });

  it('adds the figures of ?evaluation=pgd,exact from the evaluation records, in JSON and CSV alike', async () => {
    // One exact record per finished adversarial run: its PGD counts with one more minority sample broken.
    const records = new Map<string, EvaluationRecord>();
    for (const run of sweep.runs) {
      if (failed(run) || pending(run) || run.mode.kind === 'standard') continue;
      const result = await getJson<RunResult>(store, `sweeps/${sweep.sweepId}/results/${run.runId}.json`);
      const pgd = result.metrics.robust?.pgd.testBalanced as SplitMetrics;
      const exact: SplitMetrics = { ...pgd, correct: [pgd.correct[0], Math.max(pgd.correct[1] - 1, 0)] };
      const ball = { norm: run.mode.norm, eps: run.mode.eps, clipToUnitBox: false };
      const record: EvaluationRecord = {
        schemaVersion: 1,
        sweepId: sweep.sweepId,
        runId: run.runId,
        evaluation: 'exact',
        weightsSha256: '0'.repeat(64),
        result: robustnessEvaluation(ball, { name: 'exact' }, result.metrics.testBalanced, exact),
        wallSeconds: 0,
        evaluatedAt: '2026-01-01T00:00:00.000Z',
      };
      await writeEvaluation(store, record);
      records.set(run.runId, record);
    }
    const { status, body } = await getJsonBody(`/sweeps/${sweep.sweepId}/report?evaluation=pgd,exact`);
    expect(status).toBe(200);
    const expected = buildReport({
      sweepId: sweep.sweepId,
      runs: sweep.runs,
      results: await finishedResults(),
      failedRunIds: new Set(sweep.runs.filter((r) => failed(r) && !pending(r)).map((r) => r.runId)),
      evaluationRecords: new Map([['exact', records]]),
    });
    expect(body).toEqual(JSON.parse(JSON.stringify(expected)));
    // Where PGD left minority samples, exact robust AD is PGD's plus one minority sample in the balanced test.
    const total = (records.values().next().value as EvaluationRecord).result.testBalanced.total[1];
    expect(
      expected.rows.some(
        (r) => Math.abs((r.evaluations?.exact?.robustAdMinusPgd?.mean ?? 0) - 1 / total) < 1e-12,
      ),
    ).toBe(true);
    const csv = await app.request(`/sweeps/${sweep.sweepId}/report?evaluation=exact&format=csv`);
    const [header] = (await csv.text()).split('\n');
    expect(header?.split(',')).toEqual(csvHeader(['exact']));
    const refused = await getJsonBody(`/sweeps/${sweep.sweepId}/report?evaluation=pgd,autoattack`);
    expect(refused.status).toBe(400);
  });

  it('serves the cached report until a new result arrives, then recomputes it', async () => {
    const path = `/sweeps/${sweep.sweepId}/report`;
    const key = reportCacheKey(sweep.sweepId);
    await app.request(path);
    // Mark the cached copy: the API returning the mark proves it read the cache instead of recomputing.
    const cached = await getJson<{ listingHash: string; report: Report }>(store, key);
    await putJson(store, key, { ...cached, report: { ...cached.report, missingRunIds: ['from-cache'] } });
    expect(((await getJsonBody(path)).body as Report).missingRunIds).toEqual(['from-cache']);

    const newcomer = sweep.runs.find(pending) as RunSpec;
    const template = await getJson<RunResult>(
      store,
      `sweeps/${sweep.sweepId}/results/${sweep.runs.find((r) => !failed(r) && !pending(r))?.runId}.json`,
    );
    await writeResult(store, { ...template, run: newcomer });
    try {
      const fresh = (await getJsonBody(path)).body as Report;
      expect(fresh.runs.finished).toBe(114);
      expect(fresh.missingRunIds).not.toContain(newcomer.runId);
      // The cache holds every selection rule; the request gets the paper's.
      const all = (await getJson<{ report: Report }>(store, key)).report;
      expect({ ...all, rows: all.rows.filter((r) => r.selection === 'clean-val') }).toEqual(fresh);
    } finally {
      // The other tests count on the fixture as written.
      await store.delete(`sweeps/${sweep.sweepId}/results/${newcomer.runId}.json`);
    }
  });
});

describe('GET /sweeps and /sweeps/{id}', () => {
  it('lists the sweep with its run counts', async () => {
    const { status, body } = await getJsonBody('/sweeps');
    expect(status).toBe(200);
    expect(body).toEqual([
      {
        sweepId: sweep.sweepId,
        name: 'fixture',
        createdAt: '2025-01-01T00:00:00.000Z',
        runs: { total: 120, done: 113, failed: 5 },
      },
    ]);
  });

  it('returns the definition and progress of one sweep', async () => {
    const { status, body } = await getJsonBody(`/sweeps/${sweep.sweepId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      sweepId: sweep.sweepId,
      runs: { total: 120, done: 113, failed: 5 },
      definition: { name: 'fixture', R: [1, 2, 5, 10], seeds: [2, 22, 42] },
    });
  });
});

describe('GET /sweeps/{id}/runs', () => {
  it('pages through every finished run exactly once, following the cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const query = cursor === undefined ? '' : `?cursor=${cursor}`;
      const { status, body } = await getJsonBody(`/sweeps/${sweep.sweepId}/runs${query}`);
      expect(status).toBe(200);
      const page = body as { runs: RunResult[]; cursor?: string };
      expect(page.runs.length).toBeLessThanOrEqual(RUNS_PAGE_SIZE);
      seen.push(...page.runs.map((r) => r.run.runId));
      cursor = page.cursor;
      pages += 1;
    } while (cursor !== undefined);
    expect(pages).toBe(2);
    const finished = sweep.runs.filter((r) => !failed(r) && !pending(r)).map((r) => r.runId);
    expect(seen).toEqual([...finished].sort());
  });

  it('filters by dataset, R and mode', async () => {
    const { body } = await getJsonBody(`/sweeps/${sweep.sweepId}/runs?dataset=gaussian&R=10&mode=linf-0.5`);
    const runs = (body as { runs: RunResult[] }).runs;
    // R 10, linf-0.5: 3 seeds x 2 learning rates, less seed 42 at lr 0.001, which failed.
    expect(runs.map((r) => [r.run.dataset.R, modeId(r.run.mode), r.run.seed])).toEqual([
      [10, 'linf-0.5', 2],
      [10, 'linf-0.5', 2],
      [10, 'linf-0.5', 22],
      [10, 'linf-0.5', 22],
      [10, 'linf-0.5', 42],
    ]);
  });
});

describe('GET /sweeps/{id}/runs of a sweep that trains both fidelities', () => {
  // Without an objective, each fidelity trains its own (adgap: clean, reference: the reference's).
  let both: SyntheticSweep;
  beforeAll(async () => {
    both = await writeSyntheticSweep(store, {
      name: 'fidelities',
      datasets: ['gaussian'],
      R: [2],
      seeds: [2, 22],
      learningRates: [0.01],
      modes: ['standard', { norm: 'linf', eps: [0.5] }],
      fidelity: ['adgap', 'reference'],
    });
  });
  const runsOf = async (query: string) => {
    const { status, body } = await getJsonBody(`/sweeps/${both.sweepId}/runs?${query}`);
    expect(status).toBe(200);
    return (body as { runs: RunResult[] }).runs.map((r) => r.run);
  };

  it('filters by fidelity', async () => {
    const runs = await runsOf('fidelity=reference');
    expect(runs.map((r) => r.runId)).toEqual(
      both.runs
        .filter((r) => r.fidelity === 'reference')
        .map((r) => r.runId)
        .sort(),
    );
    expect(runs).toHaveLength(4);
  });

  it('filters by objective, and with fidelity, mode and the others by all of them at once', async () => {
    expect((await runsOf('objective=clean')).map((r) => [r.fidelity, r.objective])).toEqual(
      Array(4).fill(['adgap', 'clean']),
    );
    expect(await runsOf('objective=clean&fidelity=reference')).toEqual([]);
    expect(
      (await runsOf('objective=reference&fidelity=reference&mode=linf-0.5&R=2')).map((r) => r.seed),
    ).toEqual([2, 22]);
  });
});

describe('bad input', () => {
  it('answers an unknown sweep with a 404 JSON error', async () => {
    for (const path of [
      '/sweeps/nosuch-0123abcd',
      '/sweeps/nosuch-0123abcd/report',
      '/sweeps/nosuch-0123abcd/runs',
    ]) {
      const { status, body } = await getJsonBody(path);
      expect(status).toBe(404);
      expect(body).toMatchObject({
        error: { code: 'not_found', message: expect.stringContaining('nosuch-0123abcd') },
      });
    }
  });

  it.each([
    ['a path traversal in the sweep id', '/sweeps/..%2F..%2Fetc-0123abcd/report', 'id'],
    ['a sweep id with wrong characters', '/sweeps/Demo_1-0123abcd', 'id'],
    ['an unknown format', '/sweeps/{id}/report?format=xml', 'format'],
    ['a cursor the API never issued', '/sweeps/{id}/runs?cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ['a cursor that is not base64url', '/sweeps/{id}/runs?cursor=%25%25', 'cursor'],
    ['a non-numeric R', '/sweeps/{id}/runs?R=ten', 'R'],
    ['a malformed mode', '/sweeps/{id}/runs?mode=linf', 'mode'],
    ['an unknown fidelity', '/sweeps/{id}/runs?fidelity=exact', 'fidelity'],
    ['an unknown objective', '/sweeps/{id}/runs?objective=robust', 'objective'],
  ])('answers %s with a 400 naming the parameter', async (_what, template, parameter) => {
    const { status, body } = await getJsonBody(template.replace('{id}', sweep.sweepId));
    expect(status).toBe(400);
    expect(body).toEqual({
      error: {
        code: 'bad_request',
        parameter,
        message: expect.stringMatching(new RegExp(`^${parameter}: `)),
      },
    });
  });

  it('answers a value outside the allowed ones with the value and what is allowed', async () => {
    for (const [query, message] of [
      ['fidelity=exact', "fidelity: 'exact' is not a fidelity (allowed: adgap, reference)"],
      ['objective=Clean', "objective: 'Clean' is not an objective (allowed: clean, reference)"],
    ] as const) {
      const { status, body } = await getJsonBody(`/sweeps/${sweep.sweepId}/runs?${query}`);
      expect(status).toBe(400);
      expect(body).toEqual({ error: { code: 'bad_request', parameter: query.split('=')[0], message } });
    }
  });

  it('answers a failing store with a generic 500 and no stack trace', async () => {
    const broken = createApp({
      uri: store.uri,
      get: () => Promise.reject(new Error('disk on fire at /secret/path')),
      head: (key) => store.head(key),
      put: (key, body, options) => store.put(key, body, options),
      list: (prefix, options) => store.list(prefix, options),
      delete: (key) => store.delete(key),
      assertWriteOnce: () => store.assertWriteOnce(),
    });
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const response = await broken.request(`/sweeps/${sweep.sweepId}`);
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: 'internal error' } });
      expect(text).not.toContain('secret');
      // The details are not lost: they go to the server log.
      expect(String(log.mock.calls[0]?.[0])).toContain('disk on fire');
    } finally {
      log.mockRestore();
    }
  });
});

describe('an outage', () => {
  it('answers S3 being down with the documented 500 body; the endpoint and the advice go to the server log', async () => {
    // A real S3 client against a port nobody listens on: the request fails as an unreachable endpoint does.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const client = new S3Client({
      ...s3ClientConfig({ s3Endpoint: `http://127.0.0.1:${port}` }),
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      maxAttempts: 1,
    });
    const down = createApp(new S3Store('s3://bucket/prefix', client));
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      for (const path of ['/sweeps', '/sweeps/fixture-0123abcd', '/sweeps/fixture-0123abcd/report']) {
        const response = await down.request(path);
        expect(response.status, path).toBe(500);
        const text = await response.text();
        expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: 'internal error' } });
        expect(text).not.toContain(String(port));
      }
      expect(String(log.mock.calls[0]?.[0])).toMatch(
        new RegExp(
          `cannot reach the S3 endpoint for s3://bucket/prefix \\(.*127\\.0\\.0\\.1:${port}.*\\); check ADGAP_S3_ENDPOINT`,
        ),
      );
    } finally {
      log.mockRestore();
    }
  });
});

describe('GET /openapi.json and /health', () => {
  it('documents every route with its parameters', async () => {
    const { status, body } = await getJsonBody('/openapi.json');
    expect(status).toBe(200);
    const doc = body as {
      openapi: string;
      paths: Record<string, { get: { parameters?: { name: string; schema?: unknown }[] } }>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      ['/health', '/sweeps', '/sweeps/{id}', '/sweeps/{id}/report', '/sweeps/{id}/runs'].sort(),
    );
    expect(doc.paths['/sweeps/{id}/runs']?.get.parameters?.map((p) => p.name).sort()).toEqual(
      ['R', 'cursor', 'dataset', 'fidelity', 'id', 'mode', 'objective'].sort(),
    );
    const schemaOf = (name: string) =>
      doc.paths['/sweeps/{id}/runs']?.get.parameters?.find((p) => p.name === name)?.schema;
    expect(schemaOf('fidelity')).toMatchObject({ enum: ['adgap', 'reference'] });
    expect(schemaOf('objective')).toMatchObject({ enum: ['clean', 'reference'] });
  });

  it('documents every field of the report rows it returns', async () => {
    type Doc = {
      components: { schemas: { Report: { properties: { rows: { items: { properties: object } } } } } };
    };
    const doc = (await getJsonBody('/openapi.json')).body as Doc;
    // Asked for an evaluation beyond PGD, a row has every field, `evaluations` too.
    const report = (await getJsonBody(`/sweeps/${sweep.sweepId}/report?evaluation=pgd,exact`)).body as Report;
    expect(Object.keys(doc.components.schemas.Report.properties.rows.items.properties).sort()).toEqual(
      Object.keys(report.rows[0] as object).sort(),
    );
  });

  it('answers /health', async () => {
    expect(await getJsonBody('/health')).toEqual({ status: 200, body: { status: 'ok' } });
  });
});

it('keeps the report cache inside the sweep folder the deployment lets the API write', () => {
  expect(reportCacheKey('demo-0123abcd')).toBe('sweeps/demo-0123abcd/report-cache/report.json');
});
