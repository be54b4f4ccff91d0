import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpServer } from '../../src/http/http-server.ts';
import { sameSiteGuard } from '../../src/http/same-site-guard.ts';
import { apiGuard } from '../../src/http/api-guard.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';
import { queryCapped } from '../../src/warehouse/capped-query.ts';
import { QueryRunner } from '../../src/workers/api/query-runner.ts';
import { mountQueryRoutes } from '../../src/workers/api/query-routes.ts';
import { tempDir } from '../support/temp.ts';
import { waitFor } from '../support/service.ts';

const NEVER_ENDING = 'SELECT count(*) FROM range(1000000000000)';
const TIMEOUT_MS = 1500;

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** A raw HTTP request, so Host and the other headers browsers set go out exactly as given. */
function post(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Answer> {
  const target = new URL('/api/query', url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(target, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, signal }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

describe('the query API', () => {
  let temp: Awaited<ReturnType<typeof tempDir>>;
  let warehouse: DuckDbWarehouse;
  let queries: QueryRunner;
  let http: HttpServer;
  let url: string;

  beforeAll(async () => {
    temp = await tempDir('mars-query-api');
    warehouse = await DuckDbWarehouse.open(path.join(temp.dir, 'warehouse.duckdb'));
    await warehouse.exec('CREATE TABLE t AS SELECT range AS n FROM range(5)');
    queries = new QueryRunner({ warehouse, timeoutMs: TIMEOUT_MS });
    http = new HttpServer({ logger: silentLogger });
    mountQueryRoutes(http, {
      queries,
      guard: apiGuard({ host: '127.0.0.1' }),
      sameSite: sameSiteGuard({ allowedHosts: ['mars.internal'] }),
    });
    await http.start();
    url = http.url;
  });

  afterAll(async () => {
    await http?.close();
    await queries?.close();
    await warehouse?.close();
    await temp?.cleanup();
  });

  it('answers only loopback or listed Host names, JSON bodies and same-origin browsers', async () => {
    const sql = { sql: 'SELECT 42 AS answer' };
    expect(await post(url, sql, { host: 'attacker.example' })).toEqual({
      status: 421,
      body: { error: 'the Host header names no host this API answers for (a loopback name or one in API_ALLOWED_HOSTS)' },
    });
    expect(await post(url, sql, { 'content-type': 'text/plain' })).toEqual({
      status: 415,
      body: { error: 'send the body as content-type: application/json' },
    });
    expect(await post(url, sql, { origin: 'https://attacker.example' })).toEqual({
      status: 403,
      body: { error: 'cross-origin browser requests are refused (Origin)' },
    });
    expect(await post(url, sql, { 'sec-fetch-site': 'cross-site' })).toEqual({
      status: 403,
      body: { error: 'cross-site browser requests are refused (Sec-Fetch-Site)' },
    });
    const port = new URL(url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `mars.internal:${port}`]) {
      expect((await post(url, sql, { host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' })).body).toEqual({
        rows: [{ answer: 42 }],
        rowCount: 1,
        truncated: false,
      });
    }
  });

  it('reads no file on the host', async () => {
    for (const sql of ["SELECT * FROM read_text('/etc/hostname')", "SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM glob('/root/**')"]) {
      const answer = await post(url, { sql });
      expect(answer.status, sql).toBe(400);
      expect(answer.body.error).toMatch(/^Permission Error: Cannot access file "\/(etc|root)\/.*" - file system operations are disabled by configuration/);
    }
    // Nor can a query turn reading back on.
    const reopen = await post(url, { sql: "SELECT * FROM read_text('/etc/hostname') WHERE current_setting('enable_external_access')" });
    expect(reopen.status).toBe(400);
    await expect(warehouse.exec('SET enable_external_access = true')).rejects.toThrow(/configuration has been locked/);
  });

  it('stops a never-ending query at QUERY_TIMEOUT_MS while other queries and writes go on', async () => {
    const started = Date.now();
    let settled = false;
    const endless = post(url, { sql: NEVER_ENDING }).finally(() => (settled = true));
    await waitFor('the query to run', async () => ((queries.describe().running as number) === 1 ? true : undefined));
    expect((await post(url, { sql: 'SELECT 42 AS answer' })).body.rows).toEqual([{ answer: 42 }]);
    // The loader writes in transactions of its own meanwhile.
    await warehouse.transaction((tx) => tx.exec('INSERT INTO t VALUES (5)'));
    expect(settled).toBe(false);
    expect(await endless).toEqual({ status: 504, body: { error: `the query ran longer than QUERY_TIMEOUT_MS (${TIMEOUT_MS} ms) and was stopped` } });
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2000);
    expect(queries.describe()).toMatchObject({ running: 0, waiting: 0 });
    expect((await post(url, { sql: 'SELECT count(*) AS n FROM t' })).body.rows).toEqual([{ n: 6 }]);
  });

  it('stops the query when the client hangs up', async () => {
    const hangUp = new AbortController();
    const endless = post(url, { sql: NEVER_ENDING }, {}, hangUp.signal).catch((error: Error) => error.name);
    await waitFor('the query to run', async () => ((queries.describe().running as number) === 1 ? true : undefined));
    hangUp.abort();
    expect(await endless).toBe('AbortError');
    // Well before the time limit, the statement has ended and its slot is free.
    await waitFor('the query to stop', async () => ((queries.describe().running as number) === 0 ? true : undefined), TIMEOUT_MS / 2);
  });

  it('caps the rows it sends and says so, and says nothing when the rows fit', async () => {
    const capped = await post(url, { sql: 'SELECT * FROM range(10000000)' });
    expect(capped.status).toBe(200);
    expect((capped.body.rows as unknown[]).length).toBe(10_000);
    expect(capped.body).toMatchObject({ rowCount: 10_000, truncated: true, limit: 10_000, note: 'stopped at the row limit of 10000 rows (raise it with --limit)' });
    expect((capped.body.rows as unknown[]).at(-1)).toEqual({ range: 9999 });
    expect((await post(url, { sql: 'SELECT n FROM t WHERE n < 5 ORDER BY n', limit: 5 })).body).toEqual({
      rows: [0, 1, 2, 3, 4].map((n) => ({ n })),
      rowCount: 5,
      truncated: false,
    });
    expect(await queryCapped(warehouse, 'SELECT * FROM range(100000)', 3)).toEqual({ rows: [0, 1, 2].map((range) => ({ range })), truncated: true });
  });

  it('stops running and waiting queries when the service closes', async () => {
    const runner = new QueryRunner({ warehouse, timeoutMs: 60_000, concurrency: 1 });
    const drain = async (sql: string): Promise<string> => {
      try {
        for await (const batch of runner.rows(sql, [], new AbortController().signal)) void batch;
        return 'finished';
      } catch (error) {
        return (error as Error).message;
      }
    };
    const running = drain(NEVER_ENDING);
    const waiting = drain('SELECT 1');
    await waitFor('one to run, one to wait', async () => (runner.describe().waiting === 1 ? true : undefined));
    await runner.close();
    expect(await running).toBe('the service is stopping');
    expect(await waiting).toBe('the service is stopping');
    expect(await drain('SELECT 1')).toBe('the service is stopping');
  });
});
