import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dialect, transpile } from '@polyglot-sql/sdk';
import type { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';
import type { Row, Warehouse } from '../../src/warehouse/warehouse.ts';

/**
 * A warehouse that speaks Snowflake to the program and runs every statement on DuckDB: each is
 * transpiled with @polyglot-sql/sdk (a port of sqlglot), then run. The loader, the model runner
 * and the data tests take their Snowflake paths through it unchanged, so what Snowflake would be
 * sent is executed, not only pinned by golden files.
 */

const MACROS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'snowflake-on-duckdb.sql');

/**
 * Where the transpiler's DuckDB is not DuckDB's (its output, not our SQL, is corrected), each
 * with why. Missing functions are macros in snowflake-on-duckdb.sql instead.
 */
const CORRECTIONS: Array<{ why: string; from: RegExp; to: string }> = [
  {
    why: "FLATTEN becomes UNNEST(input => ...), which DuckDB refuses: call the FLATTEN table macro instead",
    from: /\bLATERAL UNNEST\(input => /g,
    to: 'LATERAL FLATTEN(',
  },
  {
    why: "a VARIANT column holds JSON; DuckDB's own VARIANT type is another thing, which its JSON functions do not read",
    from: /\bVARIANT\b/g,
    to: 'JSON',
  },
  {
    why: "Snowflake's variant::VARCHAR gives a string element itself; CAST(json AS TEXT) keeps its quotes, ->> does not",
    from: /CAST\(([\w.]+) -> ('[^']*') AS TEXT\)/g,
    to: '($1 ->> $2)',
  },
];

/** The program sends the same statements again and again (DDL, data tests); each is transpiled once. */
const transpiled = new Map<string, string>();

export function snowflakeToDuckDb(sql: string): string {
  const known = transpiled.get(sql);
  if (known !== undefined) return known;
  const result = transpile(sql, Dialect.Snowflake, Dialect.DuckDB, { unsupportedLevel: 'raise' });
  if (!result.success || !result.sql) throw new Error(`transpiling failed (${result.error}): ${sql}`);
  const duckdb = CORRECTIONS.reduce((text, c) => text.replace(c.from, c.to), result.sql.join(';\n'));
  transpiled.set(sql, duckdb);
  return duckdb;
}

export class TranspiledSnowflake implements Warehouse {
  readonly dialect = 'snowflake' as const;
  /** Every statement as the program sent it (Snowflake) and as it ran (DuckDB). */
  readonly statements: Array<{ snowflake: string; duckdb: string }>;

  private constructor(
    private readonly inner: Warehouse,
    statements: Array<{ snowflake: string; duckdb: string }>,
  ) {
    this.statements = statements;
  }

  /** Installs the macros on `duckdb` (which this then owns) and wraps it. */
  static async over(duckdb: DuckDbWarehouse): Promise<TranspiledSnowflake> {
    await duckdb.exec(await readFile(MACROS, 'utf8'));
    return new TranspiledSnowflake(duckdb, []);
  }

  private translate(sql: string): string {
    const duckdb = snowflakeToDuckDb(sql);
    this.statements.push({ snowflake: sql, duckdb });
    return duckdb;
  }

  exec(sql: string, params?: readonly unknown[]): Promise<void> {
    return this.inner.exec(this.translate(sql), params);
  }

  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.inner.query<T>(this.translate(sql), params);
  }

  insertRows(table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<void> {
    return this.inner.insertRows(table, columns, rows);
  }

  transaction<T>(fn: (tx: Warehouse) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) => fn(new TranspiledSnowflake(tx, this.statements)));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
