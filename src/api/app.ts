import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { accepts } from 'hono/accepts';
import { cachedReport, reportFromStore } from '../application/report.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { keptWeightEvaluations, parseEvaluations } from '../report/evaluation-figures.js';
import {
  REPORT_FORMATS,
  REPORT_MEDIA_TYPES,
  type ReportFormat,
  reportCsv,
  reportFigure,
  reportTable,
} from '../report/format.js';
import { reportHtml } from '../report/html.js';
import { runsPage } from '../results/run-query.js';
import { listSweeps, sweepStatus } from '../results/status.js';
import { UnreadableSweepObjectError } from '../results/stored-sweep.js';
import { ObjectNotFoundError, type ObjectStore } from '../store/object-store.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import {
  errorBody,
  reportBody,
  reportQuery,
  runsPageBody,
  runsQuery,
  sweepDetail,
  sweepParams,
  sweepSummary,
  unreadableSweep,
} from './schemas.js';

type ErrorBody = z.infer<typeof errorBody>;

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

const errors = {
  400: json(errorBody, 'a parameter is malformed; `error.parameter` names it'),
  404: json(errorBody, 'no such sweep'),
};

const routes = {
  health: createRoute({
    method: 'get',
    path: '/health',
    responses: { 200: json(z.object({ status: z.literal('ok') }), 'the API is up') },
  }),
  sweeps: createRoute({
    method: 'get',
    path: '/sweeps',
    responses: {
      200: json(
        z.union([sweepSummary, unreadableSweep]).array(),
        'every sweep in the store, newest first, then those whose sweep.json cannot be read',
      ),
    },
  }),
  sweep: createRoute({
    method: 'get',
    path: '/sweeps/{id}',
    request: { params: sweepParams },
    responses: { 200: json(sweepDetail, 'the sweep definition and its progress'), ...errors },
  }),
  report: createRoute({
    method: 'get',
    path: '/sweeps/{id}/report',
    request: { params: sweepParams, query: reportQuery },
    responses: {
      200: {
        content: {
          'application/json': { schema: reportBody },
          'text/csv': { schema: { type: 'string' } },
          'text/html': { schema: { type: 'string' } },
          'text/plain': { schema: { type: 'string' } },
          'image/svg+xml': { schema: { type: 'string' } },
          'image/png': { schema: { type: 'string', format: 'binary' } },
        },
        description:
          'the disparity-gap report (partial while runs are missing): JSON, CSV, an HTML page with Figure 1 as SVG, the fixed-width table `adgap report` prints, or Figure 1 alone as SVG or PNG',
      },
      ...errors,
    },
  }),
  runs: createRoute({
    method: 'get',
    path: '/sweeps/{id}/runs',
    request: { params: sweepParams, query: runsQuery },
    responses: { 200: json(runsPageBody, 'one page of finished runs, in run-id order'), ...errors },
  }),
};

/** The results API over one store. It knows nothing about where it runs (Lambda or `adgap serve`). */
export function createApp(store: ObjectStore): OpenAPIHono {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issue = result.error.issues[0];
      const parameter = String(issue?.path[0] ?? result.target);
      return c.json(errorJson('bad_request', `${parameter}: ${issue?.message ?? 'invalid'}`, parameter), 400);
    },
  });

  app.openapi(routes.health, (c) => c.json({ status: 'ok' }, 200));

  app.openapi(routes.sweeps, async (c) => {
    const { sweeps, unreadable } = await listSweeps(store);
    const apart = unreadable.map(({ sweepId, key, reason }) => ({ sweepId, unreadable: { key, reason } }));
    return c.json([...sweeps, ...apart], 200);
  });

  app.openapi(routes.sweep, async (c) => {
    const status = await sweepStatus(store, c.req.valid('param').id);
    const { sweepId, name, createdAt, runs, definition, jobCount } = status;
    return c.json({ sweepId, name, createdAt, runs, definition, jobCount }, 200);
  });

  app.openapi(routes.report, async (c) => {
    const { id } = c.req.valid('param');
    const { format: asked, selection, evaluation } = c.req.valid('query');
    const format = asked ?? negotiatedFormat(c);
    // The cache holds the report without evaluation records; one with them is read fresh.
    const evaluations = evaluation === undefined ? [] : parseEvaluations(evaluation);
    const report =
      keptWeightEvaluations(evaluations).length > 0
        ? await reportFromStore(store, id, { selections: selection, evaluations })
        : await cachedReport(store, id, selection);
    // One URL, several representations: caches in front of the API must key on Accept too.
    c.header('Vary', 'Accept');
    if (format === 'svg' || format === 'png') {
      const figure = await reportFigure(report, format);
      return c.body(typeof figure === 'string' ? figure : new Uint8Array(figure), 200, {
        'Content-Type': REPORT_MEDIA_TYPES[format],
      });
    }
    if (format === 'csv')
      return c.body(reportCsv(report), 200, { 'Content-Type': 'text/csv; charset=utf-8' });
    if (format === 'html') return c.html(await reportHtml(report), 200);
    if (format === 'table') return c.text(`${reportTable(report)}\n`, 200);
    return c.json(report, 200);
  });

  app.openapi(routes.runs, async (c) => {
    const { id } = c.req.valid('param');
    const { cursor, ...filter } = c.req.valid('query');
    const page = await runsPage(store, id, filter, cursor === undefined ? undefined : decodeCursor(cursor));
    return c.json(
      page.lastRunId === undefined
        ? { runs: page.runs }
        : { runs: page.runs, cursor: encodeCursor(page.lastRunId) },
      200,
    );
  });

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'adgap results API',
      version: '1',
      description:
        'Sweeps, run results and disparity-gap reports (Hu et al., ICML 2023) from an adgap store.',
    },
  });

  app.notFound((c) => c.json(errorJson('not_found', `no route ${c.req.method} ${c.req.path}`), 404));

  app.onError((error, c) => {
    if (error instanceof ValidationError)
      return c.json(errorJson('bad_request', error.message, error.field), 400);
    // Clients learn which sweep or object is missing, not where the store lives (a path, a bucket).
    // A sweep.json or plan.json that cannot be read: which object and what is wrong, not where the store is.
    if (error instanceof UnreadableSweepObjectError)
      return c.json(errorJson('unreadable', `${error.key} ${error.reason}`), 500);
    if (error instanceof NotFoundError || error instanceof ObjectNotFoundError)
      return c.json(errorJson('not_found', error.message.replaceAll(` in store ${store.uri}`, '')), 404);
    // Anything else is a bug or an outage (an unreachable S3 endpoint, a full disk): the details, which name the
    // endpoint or the path and carry advice for an operator, go to the server log; the client gets what
    // docs/api.md promises, `internal error`.
    console.error(error);
    return c.json(errorJson('internal', 'internal error'), 500);
  });

  return app;
}

function negotiatedFormat(c: Context): ReportFormat {
  const type = accepts(c, {
    header: 'Accept',
    supports: REPORT_FORMATS.map((f) => REPORT_MEDIA_TYPES[f]),
    default: REPORT_MEDIA_TYPES.json,
  });
  return REPORT_FORMATS.find((f) => REPORT_MEDIA_TYPES[f] === type) ?? 'json';
}

function errorJson(code: ErrorBody['error']['code'], message: string, parameter?: string): ErrorBody {
  return { error: parameter === undefined ? { code, message } : { code, message, parameter } };
}
