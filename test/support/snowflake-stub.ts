import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * A local stand-in for the parts of Snowflake's HTTP protocol snowflake-sdk uses: login
 * (`/session/v1/login-request`), statements (`/queries/v1/query-request`, gzip JSON bodies with
 * `sqlText` and `bindings`), results as `rowtype`/`rowset` JSON, errors as `success: false`,
 * and session close. What each statement answers is up to the test.
 */
export type StubColumnType = 'fixed' | 'real' | 'text' | 'boolean' | 'variant';

export type StubAnswer =
  | { columns: Array<{ name: string; type: StubColumnType }>; rows: Array<Array<string | null>> }
  | { error: { code: string; sqlState: string; message: string } };

export interface StubStatement {
  sqlText: string;
  /** Bind values in order, as the driver sent them (`{type, value}`). */
  bindings: Array<{ type: string; value: unknown }>;
}

export interface SnowflakeStub {
  url: string;
  statements: StubStatement[];
  logins: Array<{ user: string; database?: string; warehouse?: string }>;
  close(): Promise<void>;
}

const ok = (data: unknown) => ({ data, code: null, message: null, success: true });

function rowtype(columns: Array<{ name: string; type: StubColumnType }>) {
  return columns.map((c) => ({
    name: c.name,
    database: 'MARS_DB',
    schema: 'MARS_SILVER',
    table: 'T',
    type: c.type,
    nullable: true,
    scale: c.type === 'fixed' ? 0 : null,
    precision: c.type === 'fixed' ? 38 : null,
    length: c.type === 'text' ? 16_777_216 : null,
    byteLength: c.type === 'text' ? 16_777_216 : null,
    collation: null,
  }));
}

export async function startSnowflakeStub(options: {
  password: string;
  answer: (statement: StubStatement) => StubAnswer;
}): Promise<SnowflakeStub> {
  const statements: StubStatement[] = [];
  const logins: SnowflakeStub['logins'] = [];
  const token = `token-${randomUUID()}`;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      const url = new URL(req.url ?? '/', 'http://stub');
      const send = (payload: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };

      if (url.pathname === '/session/v1/login-request') {
        const data = body.data as { LOGIN_NAME: string; PASSWORD: string };
        if (data.PASSWORD !== options.password) {
          send({ data: { nextAction: 'RETRY_LOGIN', authnMethod: 'USERNAME_PASSWORD' }, code: '390100', message: 'Incorrect username or password was specified.', success: false });
          return;
        }
        logins.push({ user: data.LOGIN_NAME, database: url.searchParams.get('databaseName') ?? undefined, warehouse: url.searchParams.get('warehouse') ?? undefined });
        send(
          ok({
            masterToken: `master-${token}`,
            token,
            validityInSeconds: 3600,
            masterValidityInSeconds: 14400,
            displayUserName: data.LOGIN_NAME,
            serverVersion: '9.0.0',
            firstLogin: false,
            healthCheckInterval: 45,
            sessionId: 1,
            parameters: [],
            sessionInfo: { databaseName: url.searchParams.get('databaseName'), schemaName: null, warehouseName: url.searchParams.get('warehouse'), roleName: 'PUBLIC' },
          }),
        );
        return;
      }

      if (req.headers.authorization !== `Snowflake Token="${token}"`) {
        send({ data: null, code: '390104', message: 'User must login again to access the service.', success: false });
        return;
      }

      if (url.pathname === '/queries/v1/query-request') {
        const bindings = (body.bindings ?? {}) as Record<string, { type: string; value: unknown }>;
        const statement: StubStatement = {
          sqlText: String(body.sqlText),
          bindings: Object.keys(bindings)
            .sort((a, b) => Number(a) - Number(b))
            .map((k) => bindings[k]!),
        };
        statements.push(statement);
        const answer = options.answer(statement);
        const queryId = randomUUID();
        if ('error' in answer) {
          send({
            data: { internalError: false, errorCode: answer.error.code, age: 0, sqlState: answer.error.sqlState, queryId, line: -1, pos: -1, type: 'COMPILATION' },
            code: answer.error.code,
            message: answer.error.message,
            success: false,
          });
          return;
        }
        send(
          ok({
            parameters: [],
            rowtype: rowtype(answer.columns),
            rowset: answer.rows,
            total: answer.rows.length,
            returned: answer.rows.length,
            queryId,
            databaseProvider: null,
            finalDatabaseName: 'MARS_DB',
            finalSchemaName: null,
            finalWarehouseName: null,
            finalRoleName: 'PUBLIC',
            numberOfBinds: statement.bindings.length,
            arrayBindSupported: false,
            statementTypeId: 4096,
            version: 1,
            sendResultTime: Date.now(),
            queryResultFormat: 'json',
          }),
        );
        return;
      }

      // Session close and the driver's telemetry: accepted and ignored.
      send(ok(null));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    statements,
    logins,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
