/**
 * The warehouse as the rest of the program sees it: DuckDB embedded by default, Snowflake in
 * production. Parameters are positional `?` placeholders on both engines. Rows come back as
 * plain objects with column names as the engine returns them (DuckDB keeps the case written in
 * the SQL; Snowflake upper-cases unquoted names), numbers as numbers where they fit exactly.
 */
export type Dialect = 'duckdb' | 'snowflake';

export type Row = Record<string, unknown>;

/** A row with its column names lower-cased, as our zod row schemas name them (Snowflake upper-cases). */
export function lowerKeys(row: Row): Row {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k.toLowerCase(), v]));
}

export interface Warehouse {
  readonly dialect: Dialect;
  /** Runs one statement (or, on DuckDB, several separated by semicolons when no params). */
  exec(sql: string, params?: readonly unknown[]): Promise<void>;
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Inserts many rows into a table, in the engine's fastest way. */
  insertRows(table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<void>;
  /**
   * Rows of one statement in batches as the engine makes them, on a connection of its own, so a
   * long query neither waits behind nor holds up the loader and the models; aborting `signal`
   * interrupts it. Only the embedded engine has it (callers fall back on query()).
   */
  stream?(sql: string, params: readonly unknown[], signal: AbortSignal): AsyncIterable<Row[]>;
  /** Runs fn inside one transaction; rolls back if it throws. */
  transaction<T>(fn: (tx: Warehouse) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
