import { z } from 'zod';
import type { IncomingMessage } from 'node:http';
import { readBody, sendJson, type HttpServer } from '../../http/http-server.ts';
import { errorMessage } from '../../platform/errors.ts';
import { serialize } from '../../warehouse/serialize.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';
import { readOnlyRefusal } from './read-only-sql.ts';

const QueryBodySchema = z.object({ sql: z.string().min(1).max(100_000), params: z.array(z.unknown()).max(1000).optional() });

export interface QueryRoutesDeps {
  warehouse: Warehouse;
  /** Runs a model build now (coalesced with any other) and returns its summary. */
  build?: () => Promise<unknown>;
  /** Null when the request may go on, else why not (see `apiGuard`). */
  guard: (req: IncomingMessage) => string | null;
}

/**
 * The warehouse as other `mars` commands reach it while `mars serve` holds the embedded DuckDB
 * file (a second process cannot open it): `POST /api/query` with `{"sql": "...", "params": []}`
 * answers `{"rows": [...]}`, and `POST /api/warehouse/build` runs a build.
 */
export function mountQueryRoutes(http: HttpServer, deps: QueryRoutesDeps): void {
  http.route('POST', '/api/query', async (req, res) => {
    const denied = deps.guard(req);
    if (denied) {
      sendJson(res, 401, { error: denied });
      return;
    }
    let body: z.infer<typeof QueryBodySchema>;
    try {
      body = QueryBodySchema.parse(JSON.parse(await readBody(req, 256 * 1024)));
    } catch (error) {
      sendJson(res, 400, { error: `expected a JSON body {"sql": "...", "params": [...]}: ${errorMessage(error)}` });
      return;
    }
    // The API is for looking, not for changing the warehouse behind the service's back.
    const refusal = readOnlyRefusal(body.sql);
    if (refusal) {
      sendJson(res, 403, { error: refusal });
      return;
    }
    try {
      // Queued behind loads and builds on the same connection, so a query never lands inside their transaction.
      // Rows come back plain from the adapters (BIGINTs already numbers or strings).
      const rows = await serialize(deps.warehouse, () => deps.warehouse.query(body.sql, body.params ?? []));
      sendJson(res, 200, { rows });
    } catch (error) {
      sendJson(res, 400, { error: errorMessage(error) });
    }
  });
  const build = deps.build;
  if (build) {
    http.route('POST', '/api/warehouse/build', async (req, res) => {
      const denied = deps.guard(req);
      if (denied) {
        sendJson(res, 401, { error: denied });
        return;
      }
      sendJson(res, 200, { summary: await build() });
    });
  }
}
