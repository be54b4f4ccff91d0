import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { RawEnvelopeSchema, sourceOfKey, type Source } from '../ingest/raw-objects.ts';
import { errorMessage } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import type { ObjectStore } from '../platform/object-store/object-store.ts';
import { BRONZE_COLUMNS, BRONZE_TABLES, LEDGER_TABLE, ensureBronzeSchema } from './bronze.ts';
import { serialize } from './serialize.ts';
import type { Row, Warehouse } from './warehouse.ts';

export interface LoaderDeps {
  warehouse: Warehouse;
  store: ObjectStore;
  logger: Logger;
  /** Default: the system clock (the `loaded_at` column). */
  now?: () => Date;
}

export interface LoadResult {
  /** True only when this call wrote Bronze rows. */
  loaded: boolean;
  table: string | null;
  rows: number;
  /** Why nothing was loaded: already loaded, not a raw key, gone, or why the object was refused. */
  reason?: string;
}

export const LoadRequestSchema = z.object({ key: z.string().min(1), etag: z.string().min(1) });
export type LoadRequest = z.infer<typeof LoadRequestSchema>;

/** The envelope without its records: what the loader checks before taking the records. */
const EnvelopeHeaderSchema = RawEnvelopeSchema.omit({ records: true });

/** Keys under raw/ that the loader never takes: quarantine is for people, not the warehouse. */
const isLoadable = (key: string): boolean => sourceOfKey(key) !== null && key.endsWith('.json');

/** 2026-11-27T14:17:37.123Z -> 2026-11-27 14:17:37.123 (UTC, no zone: both engines' plain TIMESTAMP). */
const sqlTimestamp = (iso: string): string => new Date(iso).toISOString().replace('T', ' ').replace('Z', '');

const firstNumber = (rows: Row[]): number => Number(Object.values(rows[0] ?? {})[0] ?? 0);

class RejectedObject extends Error {}

interface Header {
  source: Source;
  rover: string;
  solStart: number | null;
  solEnd: number | null;
  variant: string | null;
  ingestedAt: string;
}

const envelopeProblem = (issues: z.core.$ZodIssue[]): string =>
  `invalid envelope: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;

async function parseObject(store: ObjectStore, key: string): Promise<unknown> {
  try {
    return JSON.parse((await store.getBuffer(key)).toString('utf8'));
  } catch (error) {
    throw new RejectedObject(`not JSON: ${errorMessage(error)}`);
  }
}

/** Why an object the fast path could not read is not a raw envelope (read again, in Node). */
async function diagnose(store: ObjectStore, key: string): Promise<string> {
  const parsed = RawEnvelopeSchema.safeParse(await parseObject(store, key));
  return parsed.success ? 'invalid envelope: unreadable by the warehouse' : envelopeProblem(parsed.error.issues);
}

function checkHeader(key: string, raw: unknown): Header {
  const parsed = EnvelopeHeaderSchema.safeParse(raw);
  if (!parsed.success) throw new RejectedObject(envelopeProblem(parsed.error.issues));
  const header = parsed.data;
  const keySource = sourceOfKey(key);
  if (header.source !== keySource) throw new RejectedObject(`envelope source ${header.source} does not match its key (${keySource})`);
  if (key.split('/')[2] !== header.rover) throw new RejectedObject(`envelope rover ${header.rover} does not match its key`);
  return header;
}

function headerValues(header: Header, loadId: number, key: string, etag: string, loadedAt: Date): unknown[] {
  return [
    loadId,
    key,
    etag,
    header.rover,
    header.variant,
    header.solStart,
    header.solEnd,
    sqlTimestamp(header.ingestedAt),
    sqlTimestamp(loadedAt.toISOString()),
  ];
}

/**
 * DuckDB reads the object from a local file itself: one row per record straight from
 * `read_json(..., records JSON[])` + unnest, never the whole response as one JSON value.
 */
async function loadWithDuckDb(deps: LoaderDeps, tx: Warehouse, request: LoadRequest, table: string, loadId: number): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mars-load-'));
  try {
    const file = path.join(dir, 'object.json');
    await deps.store.fGet(request.key, file);
    const source = `read_json('${file.replace(/'/g, "''")}', format = 'unstructured', maximum_object_size = 1073741824, columns = {source: 'VARCHAR', rover: 'VARCHAR', solStart: 'BIGINT', solEnd: 'BIGINT', variant: 'VARCHAR', ingestedAt: 'VARCHAR', requests: 'VARCHAR[]', records: 'JSON[]'})`;
    let headerRows: Row[];
    try {
      headerRows = await tx.query(
        `SELECT source, rover, solStart AS "solStart", solEnd AS "solEnd", variant, ingestedAt AS "ingestedAt", requests, records IS NOT NULL AS has_records FROM ${source}`,
      );
    } catch {
      // DuckDB's message names a temp file; say what is wrong the way every engine says it.
      throw new RejectedObject(await diagnose(deps.store, request.key));
    }
    const { has_records: hasRecords, ...raw } = headerRows[0] ?? {};
    if (headerRows.length !== 1 || !hasRecords) throw new RejectedObject(await diagnose(deps.store, request.key));
    const header = checkHeader(request.key, raw);
    const values = headerValues(header, loadId, request.key, request.etag, (deps.now ?? (() => new Date()))());
    await tx.exec(
      `INSERT INTO ${table} (${BRONZE_COLUMNS.join(', ')})
       SELECT ?, ?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), CAST(idx AS INTEGER), rec
       FROM (SELECT unnest(records) AS rec, unnest(range(0, len(records))) AS idx FROM ${source})`,
      values,
    );
    return firstNumber(await tx.query(`SELECT COUNT(*) AS n FROM ${table} WHERE load_id = ?`, [loadId]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Any other engine: parse in Node and insert with multi-row VALUES and binds (see README). */
async function loadWithBinds(deps: LoaderDeps, tx: Warehouse, request: LoadRequest, table: string, loadId: number): Promise<number> {
  const parsed = RawEnvelopeSchema.safeParse(await parseObject(deps.store, request.key));
  if (!parsed.success) throw new RejectedObject(envelopeProblem(parsed.error.issues));
  const header = checkHeader(request.key, parsed.data);
  const values = headerValues(header, loadId, request.key, request.etag, (deps.now ?? (() => new Date()))());
  const records = parsed.data.records;
  // 11 binds a row: 200 rows stay far below statement and bind limits.
  const batch = 200;
  const tuple = `(${BRONZE_COLUMNS.map(() => '?').join(', ')})`;
  const aliases = BRONZE_COLUMNS.map((c) => `v_${c}`);
  for (let start = 0; start < records.length; start += batch) {
    const slice = records.slice(start, start + batch);
    const binds = slice.flatMap((record, i) => [...values, start + i, JSON.stringify(record)]);
    await tx.exec(
      `INSERT INTO ${table} (${BRONZE_COLUMNS.join(', ')})
       SELECT v_load_id, v_object_key, v_etag, v_rover, v_variant, v_sol_start, v_sol_end, CAST(v_ingested_at AS TIMESTAMP_NTZ), CAST(v_loaded_at AS TIMESTAMP_NTZ), v_record_index, PARSE_JSON(v_record)
       FROM (VALUES ${slice.map(() => tuple).join(', ')}) AS v(${aliases.join(', ')})`,
      binds,
    );
  }
  return records.length;
}

async function nextLoadId(tx: Warehouse): Promise<number> {
  return firstNumber(await tx.query(`SELECT COALESCE(MAX(load_id), 0) + 1 AS next_id FROM ${LEDGER_TABLE}`));
}

async function alreadyLoaded(warehouse: Warehouse, request: LoadRequest): Promise<string | null> {
  const rows = await warehouse.query(`SELECT status, reason FROM ${LEDGER_TABLE} WHERE object_key = ? AND etag = ?`, [request.key, request.etag]);
  if (rows.length === 0) return null;
  const row = Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k.toLowerCase(), v]));
  return row.status === 'loaded' ? 'already loaded' : `already refused: ${String(row.reason)}`;
}

/**
 * Moves one raw object into Bronze: one row per record, with its key, ETag and ingestion time.
 * Idempotent per key + ETag (the ledger row is written in the same transaction as the rows).
 * A bad object is recorded in the ledger with the reason, never skipped silently.
 */
export async function loadRawObject(deps: LoaderDeps, request: LoadRequest): Promise<LoadResult> {
  const { key, etag } = LoadRequestSchema.parse(request);
  const logger = deps.logger.child({ module: 'loader' });
  if (!isLoadable(key)) return { loaded: false, table: null, rows: 0, reason: 'not a raw object key' };
  const source = sourceOfKey(key)!;
  const table = BRONZE_TABLES[source];
  await ensureBronzeSchema(deps.warehouse);
  return serialize(deps.warehouse, async () => {
    const done = await alreadyLoaded(deps.warehouse, { key, etag });
    if (done) return { loaded: false, table, rows: 0, reason: done };
    if (!(await deps.store.exists(key))) return { loaded: false, table, rows: 0, reason: 'object no longer exists' };
    const loadedAt = (deps.now ?? (() => new Date()))();
    try {
      const rows = await deps.warehouse.transaction(async (tx) => {
        const loadId = await nextLoadId(tx);
        const count =
          tx.dialect === 'duckdb'
            ? await loadWithDuckDb(deps, tx, { key, etag }, table, loadId)
            : await loadWithBinds(deps, tx, { key, etag }, table, loadId);
        await tx.exec(
          `INSERT INTO ${LEDGER_TABLE} (object_key, etag, load_id, source, table_name, record_count, status, reason, loaded_at) VALUES (?, ?, ?, ?, ?, ?, 'loaded', NULL, CAST(? AS ${tx.dialect === 'duckdb' ? 'TIMESTAMP' : 'TIMESTAMP_NTZ'}))`,
          [key, etag, loadId, source, table, count, sqlTimestamp(loadedAt.toISOString())],
        );
        return count;
      });
      logger.info({ key, etag, table, rows }, 'raw object loaded');
      return { loaded: true, table, rows };
    } catch (error) {
      if (!(error instanceof RejectedObject)) throw error;
      await deps.warehouse.transaction(async (tx) => {
        const loadId = await nextLoadId(tx);
        await tx.exec(
          `INSERT INTO ${LEDGER_TABLE} (object_key, etag, load_id, source, table_name, record_count, status, reason, loaded_at) VALUES (?, ?, ?, ?, ?, 0, 'rejected', ?, CAST(? AS ${tx.dialect === 'duckdb' ? 'TIMESTAMP' : 'TIMESTAMP_NTZ'}))`,
          [key, etag, loadId, source, table, error.message, sqlTimestamp(loadedAt.toISOString())],
        );
      });
      logger.warn({ key, etag, reason: error.message }, 'raw object refused');
      return { loaded: false, table, rows: 0, reason: error.message };
    }
  });
}

export interface PendingSummary {
  /** Raw objects seen under raw/ (quarantine excluded). */
  objects: number;
  loaded: number;
  rejected: number;
  /** Already in the ledger. */
  skipped: number;
  rows: number;
  rejections: Array<{ key: string; reason: string }>;
}

export type LoadProgress = (p: { done: number; total: number; key: string }) => void;

/** Lists raw/ and loads every object version the ledger has not seen (what `warehouse build` does first). */
export async function loadPending(deps: LoaderDeps & { onProgress?: LoadProgress }): Promise<PendingSummary> {
  await ensureBronzeSchema(deps.warehouse);
  const seen = new Set(
    (await deps.warehouse.query(`SELECT object_key, etag FROM ${LEDGER_TABLE}`)).map((row) => {
      const [k, e] = Object.values(row);
      return `${String(k)}\u0000${String(e)}`;
    }),
  );
  const candidates: LoadRequest[] = [];
  for await (const info of deps.store.list('raw/')) {
    if (isLoadable(info.key)) candidates.push({ key: info.key, etag: info.etag });
  }
  candidates.sort((a, b) => a.key.localeCompare(b.key));
  const summary: PendingSummary = { objects: candidates.length, loaded: 0, rejected: 0, skipped: 0, rows: 0, rejections: [] };
  let done = 0;
  for (const request of candidates) {
    if (seen.has(`${request.key}\u0000${request.etag}`)) summary.skipped += 1;
    else {
      const result = await loadRawObject(deps, request);
      if (result.loaded) {
        summary.loaded += 1;
        summary.rows += result.rows;
      } else if (result.reason?.startsWith('already')) summary.skipped += 1;
      else {
        summary.rejected += 1;
        summary.rejections.push({ key: request.key, reason: result.reason ?? 'unknown' });
      }
    }
    done += 1;
    deps.onProgress?.({ done, total: candidates.length, key: request.key });
  }
  return summary;
}
