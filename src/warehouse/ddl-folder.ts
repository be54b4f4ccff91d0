import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Warehouse } from './warehouse.ts';

/** A folder of `sql/` by name, found from this file so it works from any working directory. */
export function sqlFolder(name: string): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql', name);
}

/** Splits a DDL file into statements: Snowflake runs one statement per call. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((chunk) => chunk.trim())
    .filter((chunk) => chunk.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('--')));
}

const ensured = new WeakMap<Warehouse, Map<string, Promise<void>>>();

/**
 * Runs a folder of plain DDL (`CREATE ... IF NOT EXISTS`, the same on DuckDB and Snowflake) in
 * file-name order, once per warehouse and folder; a failed attempt is tried again next time.
 */
export function ensureDdlFolder(warehouse: Warehouse, dir: string): Promise<void> {
  const byDir = ensured.get(warehouse) ?? new Map<string, Promise<void>>();
  ensured.set(warehouse, byDir);
  let promise = byDir.get(dir);
  if (!promise) {
    promise = (async () => {
      const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
      for (const file of files) {
        for (const statement of splitStatements(await readFile(path.join(dir, file), 'utf8'))) await warehouse.exec(statement);
      }
    })();
    promise.catch(() => byDir.delete(dir));
    byDir.set(dir, promise);
  }
  return promise;
}
