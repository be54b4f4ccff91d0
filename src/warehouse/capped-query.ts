import type { Row, Warehouse } from './warehouse.ts';

/** Rows a query answers unless asked for more (`mars query --limit`). */
export const DEFAULT_ROW_LIMIT = 10_000;
/** The most rows one query may ask for. */
export const MAX_ROW_LIMIT = 10_000_000;

/** Rows of a query, at most `limit` of them; `truncated` when there were more. */
export interface CappedRows {
  rows: Row[];
  truncated: boolean;
}

/**
 * Reads at most `limit` rows, stopping the statement there when the engine streams (so a huge
 * result is never made whole in memory).
 */
export async function queryCapped(warehouse: Warehouse, sql: string, limit: number): Promise<CappedRows> {
  if (!warehouse.stream) {
    const rows = await warehouse.query(sql);
    return { rows: rows.slice(0, limit), truncated: rows.length > limit };
  }
  const rows: Row[] = [];
  for await (const batch of warehouse.stream(sql, [], new AbortController().signal)) {
    const room = limit - rows.length;
    rows.push(...batch.slice(0, room));
    // Leaving the loop ends the statement: rows past the cap are never made.
    if (batch.length > room) return { rows, truncated: true };
  }
  return { rows, truncated: false };
}
