import snowflake from 'snowflake-sdk';
import type { Config } from '../platform/config.ts';
import { MarsError, TransientError } from '../platform/errors.ts';
import { once } from '../platform/lifecycle.ts';
import type { Row, Warehouse } from './warehouse.ts';

export type SnowflakeConfig = Extract<Config['warehouse'], { kind: 'snowflake' }>;

/** Rows of one bulk INSERT: Snowflake caps a statement's binds; 500 rows keeps far below it. */
const INSERT_BATCH = 500;

/** Snowflake's codes for a lost or unreachable service are worth retrying; SQL errors are not. */
const RETRIABLE_CODES = new Set(['390114', '390111', '000625', '000603']);

export class SnowflakeQueryError extends MarsError {
  constructor(message: string, readonly sqlState: string | undefined, code: string | undefined, retriable: boolean, options?: { cause?: unknown }) {
    super(message, `SNOWFLAKE_${code ?? 'ERROR'}`, retriable, options);
  }
}

function bindable(value: unknown): snowflake.Bind {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'object') return JSON.stringify(value);
  return value as snowflake.Bind;
}

function queryError(sql: string, error: snowflake.SnowflakeError): SnowflakeQueryError {
  const code = error.code === undefined ? undefined : String(error.code);
  const first = sql.replace(/\s+/g, ' ').trim().slice(0, 120);
  return new SnowflakeQueryError(`Snowflake: ${error.message} (code ${code ?? '?'}; statement: ${first})`, error.sqlState, code, code ? RETRIABLE_CODES.has(code) : false, {
    cause: error,
  });
}

/** Values as plain JSON-friendly ones, like the DuckDB adapter gives (dates as strings, JSON as objects). */
function plain(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) out[key] = value instanceof Date ? value.toISOString() : value;
  return out;
}

/**
 * The production warehouse over snowflake-sdk. Statements run on one session; rows are
 * streamed from the result (large results arrive in chunks). A transaction holds the session
 * alone: statements from other callers wait until it commits or rolls back.
 */
export class SnowflakeWarehouse implements Warehouse {
  readonly dialect = 'snowflake' as const;
  /** Settles when the open transaction (if any) ends. */
  private transactionTail: Promise<unknown> = Promise.resolve();

  private constructor(private readonly connection: snowflake.Connection) {}

  static async connect(config: SnowflakeConfig): Promise<SnowflakeWarehouse> {
    // The driver logs to a file and the console by default; our logs are pino's.
    snowflake.configure({ logLevel: 'OFF', additionalLogToConsole: false });
    const connection = snowflake.createConnection({
      account: config.account,
      username: config.username,
      password: config.password,
      database: config.database,
      warehouse: config.warehouse,
      role: config.role,
      accessUrl: config.accessUrl,
      application: 'mars-timelapse',
      // Dates come back as strings, like the DuckDB adapter's; VARIANTs as parsed JSON.
      fetchAsString: ['Date'],
    });
    await new Promise<void>((resolve, reject) => {
      connection.connect((error) => {
        if (error) reject(new TransientError(`Snowflake login failed: ${error.message}`, 'SNOWFLAKE_LOGIN', { cause: error }));
        else resolve();
      });
    });
    return new SnowflakeWarehouse(connection);
  }

  private run(sql: string, params: readonly unknown[]): Promise<Row[]> {
    return new Promise<Row[]>((resolve, reject) => {
      this.connection.execute({
        sqlText: sql,
        binds: params.length > 0 ? params.map(bindable) : undefined,
        streamResult: true,
        complete: (error, statement) => {
          if (error) {
            reject(queryError(sql, error));
            return;
          }
          const rows: Row[] = [];
          statement
            .streamRows()
            .on('data', (row: Record<string, unknown>) => rows.push(plain(row)))
            .on('error', (streamError: snowflake.SnowflakeError) => reject(queryError(sql, streamError)))
            .on('end', () => resolve(rows));
        },
      });
    });
  }

  private async outside<T>(fn: () => Promise<T>): Promise<T> {
    await this.transactionTail;
    return fn();
  }

  exec(sql: string, params: readonly unknown[] = []): Promise<void> {
    return this.outside(async () => void (await this.run(sql, params)));
  }

  query<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.outside(() => this.run(sql, params) as Promise<T[]>);
  }

  private async insertBatches(table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<void> {
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    for (let start = 0; start < rows.length; start += INSERT_BATCH) {
      const slice = rows.slice(start, start + INSERT_BATCH);
      await this.run(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${slice.map(() => tuple).join(', ')}`, slice.flat());
    }
  }

  insertRows(table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<void> {
    return this.outside(() => this.insertBatches(table, columns, rows));
  }

  transaction<T>(fn: (tx: Warehouse) => Promise<T>): Promise<T> {
    const inside: Warehouse = {
      dialect: 'snowflake',
      exec: async (sql, params = []) => void (await this.run(sql, params)),
      query: <R extends Row = Row>(sql: string, params: readonly unknown[] = []) => this.run(sql, params) as Promise<R[]>,
      insertRows: (table, columns, rows) => this.insertBatches(table, columns, rows),
      transaction: (nested) => nested(inside),
      close: async () => {},
    };
    const result = this.transactionTail.then(async () => {
      await this.run('BEGIN TRANSACTION', []);
      try {
        const value = await fn(inside);
        await this.run('COMMIT', []);
        return value;
      } catch (error) {
        await this.run('ROLLBACK', []);
        throw error;
      }
    });
    this.transactionTail = result.catch(() => undefined);
    return result;
  }

  close = once(
    () =>
      new Promise<void>((resolve, reject) => {
        this.connection.destroy((error) => (error ? reject(error) : resolve()));
      }),
  );
}
