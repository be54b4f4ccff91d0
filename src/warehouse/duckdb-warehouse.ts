import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { MEMORY_SIZE } from '../platform/config.ts';
import { expected, MarsError } from '../platform/errors.ts';
import { once } from '../platform/lifecycle.ts';
import { STAGING_ROOT } from './staging.ts';
import type { Row, Warehouse } from './warehouse.ts';

/** Converts DuckDB's values into plain JSON-friendly ones (BIGINT to number where exact). */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(plain);
  const maybe = value as { toString(): string; constructor: { name: string } };
  switch (maybe.constructor.name) {
    case 'DuckDBDecimalValue':
      return Number(maybe.toString());
    case 'DuckDBDateValue':
    case 'DuckDBTimestampValue':
    case 'DuckDBTimestampTZValue':
    case 'DuckDBTimestampMillisecondsValue':
    case 'DuckDBTimestampSecondsValue':
    case 'DuckDBTimestampNanosecondsValue':
    case 'DuckDBTimeValue':
    case 'DuckDBUUIDValue':
    case 'DuckDBIntervalValue':
    case 'DuckDBBlobValue':
    case 'DuckDBHugeIntValue':
      return maybe.toString();
    case 'DuckDBListValue':
    case 'DuckDBArrayValue':
      return ((value as unknown as { items: unknown[] }).items ?? []).map(plain);
    case 'DuckDBStructValue': {
      const entries = (value as unknown as { entries: Record<string, unknown> }).entries;
      return Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, plain(v)]));
    }
    default:
      return maybe.toString();
  }
}

function plainRow(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) out[key] = plain(value);
  return out;
}

function bindable(value: unknown): DuckDBValue {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) return JSON.stringify(value);
  return value as DuckDBValue;
}

/** The DuckDB file is open in another process (`mars serve`, usually): only one may hold it. */
export class WarehouseLockedError extends MarsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'WAREHOUSE_LOCKED', true, options);
  }
}

/** The statements of one DuckDB connection, shared by the warehouse and its transactions. */
class DuckDbSession {
  constructor(private readonly connection: DuckDBConnection) {}

  async exec(sql: string, params: readonly unknown[] = []): Promise<void> {
    if (params.length === 0) await this.connection.run(sql);
    else await this.connection.run(sql, params.map(bindable));
  }

  async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const reader =
      params.length === 0
        ? await this.connection.runAndReadAll(sql)
        : await this.connection.runAndReadAll(sql, params.map(bindable));
    return reader.getRowObjects().map((row) => plainRow(row) as T);
  }

  async insertRows(table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<void> {
    if (rows.length === 0) return;
    // One prepared INSERT per batch of rows keeps DuckDB's parser out of the hot loop.
    const batch = 500;
    for (let start = 0; start < rows.length; start += batch) {
      const slice = rows.slice(start, start + batch);
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      const sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${slice.map(() => tuple).join(', ')}`;
      await this.connection.run(sql, slice.flat().map(bindable));
    }
  }
}

/** The statements of one open transaction, on a connection of its own. */
class DuckDbTransaction implements Warehouse {
  readonly dialect = 'duckdb' as const;
  constructor(private readonly session: DuckDbSession) {}
  exec(sql: string, params?: readonly unknown[]): Promise<void> {
    return this.session.exec(sql, params);
  }
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.session.query<T>(sql, params);
  }
  insertRows(table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<void> {
    return this.session.insertRows(table, columns, rows);
  }
  /** Nested calls join the open transaction. */
  transaction<T>(fn: (tx: Warehouse) => Promise<T>): Promise<T> {
    return fn(this);
  }
  /** The connection belongs to the enclosing transaction(), which closes it. */
  async close(): Promise<void> {}
}

export interface DuckDbOptions {
  /**
   * DuckDB's memory_limit, e.g. `2GB`. Unset: for a warehouse file, 256 MiB per DuckDB thread
   * (512 MiB on 2 cores), at most DuckDB's own default of 80% of the machine: a 670,000-record
   * load and build take as long as without a limit, with about half the resident memory, and a
   * larger query spills to disk beside the file. An in-memory database keeps DuckDB's default,
   * its tables being in the buffer pool.
   */
  memoryLimit?: string;
}

const MEMORY_PER_THREAD = 256 * 1024 * 1024;

/** The memory_limit of a warehouse file opened without one (see `DuckDbOptions.memoryLimit`). */
async function defaultMemoryLimit(connection: DuckDBConnection): Promise<string> {
  const threads = Number((await connection.runAndReadAll("SELECT current_setting('threads')")).getRows()[0]![0]);
  return `${Math.floor(Math.min(threads * MEMORY_PER_THREAD, 0.8 * os.totalmem()) / (1024 * 1024))}MiB`;
}

/** The embedded warehouse: one DuckDB file, held by this process alone while open. */
export class DuckDbWarehouse implements Warehouse {
  readonly dialect = 'duckdb' as const;
  private readonly session: DuckDbSession;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly filePath: string,
  ) {
    this.session = new DuckDbSession(connection);
  }

  /** `:memory:` gives a throwaway in-memory database. */
  static async open(filePath: string, options: DuckDbOptions = {}): Promise<DuckDbWarehouse> {
    const { memoryLimit } = options;
    if (memoryLimit !== undefined && !MEMORY_SIZE.test(memoryLimit)) throw new Error(expected('a size like 512MB', 'memoryLimit', memoryLimit));
    if (filePath !== ':memory:') await mkdir(path.dirname(filePath), { recursive: true });
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(filePath);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/lock/i.test(message)) {
        throw new WarehouseLockedError(
          `The warehouse file ${filePath} is held by another process (only one process can open a DuckDB file). ` +
            `Stop that process (e.g. a running \`mars serve\`) or send the work through it. (${message})`,
          { cause: error },
        );
      }
      throw error;
    }
    const connection = await instance.connect();
    try {
      // SQL reads no file on the host but the loader's staging folder, and cannot turn that back
      // on: a query through the API must not reach /etc or the data folder.
      await connection.run(`SET allowed_directories = ['${STAGING_ROOT.replaceAll("'", "''")}']`);
      const limit = memoryLimit ?? (filePath === ':memory:' ? undefined : await defaultMemoryLimit(connection));
      if (limit !== undefined) await connection.run(`SET memory_limit = '${limit}'`);
      await connection.run('SET enable_external_access = false');
      await connection.run('SET lock_configuration = true');
    } catch (error) {
      connection.closeSync();
      instance.closeSync();
      throw error;
    }
    return new DuckDbWarehouse(instance, connection, filePath);
  }

  async *stream(sql: string, params: readonly unknown[], signal: AbortSignal): AsyncGenerator<Row[]> {
    const connection = await this.instance.connect();
    // An interrupt that arrives before DuckDB starts the statement is forgotten when it starts,
    // so once aborted it is repeated until the statement has ended.
    let repeat: NodeJS.Timeout | undefined;
    const interrupt = () => {
      connection.interrupt();
      repeat ??= setInterval(() => connection.interrupt(), 50);
    };
    signal.addEventListener('abort', interrupt, { once: true });
    try {
      signal.throwIfAborted();
      const result = params.length === 0 ? await connection.stream(sql) : await connection.stream(sql, params.map(bindable));
      const names = result.columnNames();
      for (;;) {
        signal.throwIfAborted();
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) return;
        yield chunk.getRowObjects(names).map(plainRow);
      }
    } catch (error) {
      signal.throwIfAborted();
      throw error;
    } finally {
      signal.removeEventListener('abort', interrupt);
      clearInterval(repeat);
      connection.closeSync();
    }
  }

  exec(sql: string, params?: readonly unknown[]): Promise<void> {
    return this.session.exec(sql, params);
  }

  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.session.query<T>(sql, params);
  }

  insertRows(table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<void> {
    return this.session.insertRows(table, columns, rows);
  }

  /**
   * Each transaction gets its own connection, so statements other callers send meanwhile
   * (a Kafka consumer, an HTTP query) neither join it nor see it half-done.
   */
  async transaction<T>(fn: (tx: Warehouse) => Promise<T>): Promise<T> {
    const connection = await this.instance.connect();
    try {
      await connection.run('BEGIN TRANSACTION');
      try {
        const result = await fn(new DuckDbTransaction(new DuckDbSession(connection)));
        await connection.run('COMMIT');
        return result;
      } catch (error) {
        await connection.run('ROLLBACK');
        throw error;
      }
    } finally {
      connection.closeSync();
    }
  }

  close = once(async () => {
    this.connection.closeSync();
    this.instance.closeSync();
  });
}
