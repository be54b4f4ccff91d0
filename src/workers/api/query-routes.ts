import { z } from 'zod';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson, type HttpServer } from '../../http/http-server.ts';
import type { Refusal } from '../../http/same-site-guard.ts';
import { errorMessage } from '../../platform/errors.ts';
import { DEFAULT_ROW_LIMIT, MAX_ROW_LIMIT } from '../../warehouse/capped-query.ts';
import { readOnlyRefusal } from './read-only-sql.ts';
import { QueryStoppedError, type QueryRunner } from './query-runner.ts';

const QueryBodySchema = z.object({
  sql: z.string().min(1).max(100_000),
  params: z.array(z.unknown()).max(1000).optional(),
  limit: z.number().int().min(1).max(MAX_ROW_LIMIT).default(DEFAULT_ROW_LIMIT),
});

export interface QueryRoutesDeps {
  queries: QueryRunner;
  /** Runs a model build now (coalesced with any other) and returns its summary. */
  build?: () => Promise<unknown>;
  /** Null when the caller may use the API, else why not (see `apiGuard`): answered 401. */
  guard: (req: IncomingMessage) => string | null;
  /** Null when the request is not a browser's cross-site one (see `sameSiteGuard`). */
  sameSite: (req: IncomingMessage) => Refusal | null;
}

/**
 * The warehouse as other `mars` commands reach it while `mars serve` holds the embedded DuckDB
 * file (a second process cannot open it): `POST /api/query` with `{"sql": "...", "params": [],
 * "limit": 10000}` streams `{"rows": [...], "rowCount": N, "truncated": false}` as the rows come,
 * and `POST /api/warehouse/build` runs a build.
 */
export function mountQueryRoutes(http: HttpServer, deps: QueryRoutesDeps): void {
  const refused = (req: IncomingMessage, res: ServerResponse): boolean => {
    const denied = deps.guard(req);
    const refusal = denied ? { status: 401, error: denied } : deps.sameSite(req);
    if (refusal) sendJson(res, refusal.status, { error: refusal.error });
    return refusal !== null;
  };

  http.route('POST', '/api/query', async (req, res) => {
    if (refused(req, res)) return;
    let body: z.infer<typeof QueryBodySchema>;
    try {
      body = QueryBodySchema.parse(JSON.parse(await readBody(req, 256 * 1024)));
    } catch (error) {
      sendJson(res, 400, { error: `expected a JSON body {"sql": "...", "params": [...], "limit": N}: ${errorMessage(error)}` });
      return;
    }
    // The API is for looking, not for changing the warehouse behind the service's back.
    const refusal = readOnlyRefusal(body.sql);
    if (refusal) {
      sendJson(res, 403, { error: refusal });
      return;
    }
    await streamRows(res, deps.queries, body);
  });

  const build = deps.build;
  if (build) {
    http.route('POST', '/api/warehouse/build', async (req, res) => {
      if (refused(req, res)) return;
      sendJson(res, 200, { summary: await build() });
    });
  }
}

/**
 * Writes rows as the warehouse hands them over, waiting for the client to take each batch, so
 * memory holds one batch however large the result. The status is sent with the first batch: a
 * statement that fails or is stopped before any row answers with a plain error; after that, the
 * answer ends with `"error"`.
 */
async function streamRows(res: ServerResponse, queries: QueryRunner, body: z.infer<typeof QueryBodySchema>): Promise<void> {
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  let count = 0;
  let truncated = false;
  try {
    for await (const batch of queries.rows(body.sql, body.params ?? [], gone.signal)) {
      const take = batch.slice(0, body.limit - count);
      if (take.length > 0) {
        const text = (count === 0 ? '{"rows":[' : ',') + take.map((row) => JSON.stringify(row)).join(',');
        if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
        count += take.length;
        if (!res.write(text)) await drained(res);
      }
      // Leaving the loop ends the statement: rows past the cap are never made.
      if (take.length < batch.length) {
        truncated = true;
        break;
      }
    }
  } catch (error) {
    if (gone.signal.aborted) return;
    const status = error instanceof QueryStoppedError ? error.status : 400;
    if (!res.headersSent) return sendJson(res, status, { error: errorMessage(error) });
    res.end(`],"rowCount":${count},"error":${JSON.stringify(errorMessage(error))}}`);
    return;
  }
  if (!res.headersSent) return sendJson(res, 200, { rows: [], rowCount: 0, truncated: false });
  const note = truncated ? `,"limit":${body.limit},"note":${JSON.stringify(`stopped at the row limit of ${body.limit} rows (raise it with --limit)`)}` : '';
  res.end(`],"rowCount":${count},"truncated":${truncated}${note}}`);
}

/** Resolves when the client has taken what was written, or has gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
