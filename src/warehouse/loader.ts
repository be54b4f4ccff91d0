import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { sourceOfKey } from '../timelapse/raw-objects.ts';
import type { Logger } from '../platform/logger.ts';
import { isNotFound, type ObjectStore } from '../platform/object-store/object-store.ts';
import { BRONZE_TABLES, LEDGER_TABLE, ensureBronzeSchema } from './bronze.ts';
import { loadWithBinds } from './bronze-binds.ts';
import { insertWithDuckDb, inspectWithDuckDb } from './bronze-duckdb.ts';
import { RejectedObject, sqlTimestamp, type Fetched } from './raw-envelope.ts';
import { serialize } from './serialize.ts';
import { stagingDir } from './staging.ts';
import { lowerKeys, type Row, type Warehouse } from './warehouse.ts';

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

/** Keys under raw/ that the loader never takes: quarantine is for people, not the warehouse. */
const isLoadable = (key: string): boolean => sourceOfKey(key) !== null && key.endsWith('.json');

const firstNumber = (rows: Row[]): number => Number(Object.values(rows[0] ?? {})[0] ?? 0);

const LEDGER_COLUMNS = ['object_key', 'etag', 'load_id', 'source', 'table_name', 'record_count', 'status', 'reason', 'loaded_at'];

async function nextLoadId(tx: Warehouse): Promise<number> {
  return firstNumber(await tx.query(`SELECT COALESCE(MAX(load_id), 0) + 1 AS next_id FROM ${LEDGER_TABLE}`));
}

/** Ledger verdicts for these keys: 'already loaded' / 'already refused: ...' by key + ETag. */
async function ledgerVerdicts(warehouse: Warehouse, requests: LoadRequest[]): Promise<Map<string, string>> {
  const verdicts = new Map<string, string>();
  for (let start = 0; start < requests.length; start += 200) {
    const slice = requests.slice(start, start + 200);
    const rows = await warehouse.query(
      `SELECT object_key, etag, status, reason FROM ${LEDGER_TABLE} WHERE object_key IN (${slice.map(() => '?').join(', ')})`,
      slice.map((r) => r.key),
    );
    for (const raw of rows) {
      const row = lowerKeys(raw);
      verdicts.set(`${String(row.object_key)}\u0000${String(row.etag)}`, row.status === 'loaded' ? 'already loaded' : `already refused: ${String(row.reason)}`);
    }
  }
  return verdicts;
}

const id = (r: LoadRequest) => `${r.key}\u0000${r.etag}`;

/**
 * Takes downloaded objects into Bronze under the warehouse lock: one transaction per batch on
 * DuckDB, one per object elsewhere. The ledger rows (loaded or refused, with the reason) are
 * written in the same transaction as the Bronze rows.
 */
async function commitObjects(deps: LoaderDeps, jobs: Fetched[]): Promise<Map<string, LoadResult>> {
  const logger = deps.logger.child({ module: 'loader' });
  return serialize(deps.warehouse, async () => {
    const results = new Map<string, LoadResult>();
    // Checked again under the lock: a concurrent call may have loaded some meanwhile.
    const verdicts = await ledgerVerdicts(deps.warehouse, jobs);
    const fresh = jobs.filter((job) => {
      const verdict = verdicts.get(id(job));
      if (verdict) results.set(id(job), { loaded: false, table: job.table, rows: 0, reason: verdict });
      return !verdict;
    });
    if (fresh.length === 0) return results;
    const loadedAt = sqlTimestamp((deps.now ?? (() => new Date()))().toISOString());
    const ledger = (job: Fetched, loadId: number, status: 'loaded' | 'rejected', count: number, reason: string | null) => [
      job.key,
      job.etag,
      loadId,
      sourceOfKey(job.key),
      job.table,
      count,
      status,
      reason,
      loadedAt,
    ];
    const inspected = deps.warehouse.dialect === 'duckdb' ? await inspectWithDuckDb(deps.warehouse, fresh) : undefined;
    await deps.warehouse.transaction(async (tx) => {
      let loadId = await nextLoadId(tx);
      const rows: unknown[][] = [];
      if (inspected) {
        const accepted = inspected.accepted.map((a) => ({ ...a, loadId: loadId++ }));
        await insertWithDuckDb(tx, accepted, loadedAt);
        for (const a of accepted) {
          rows.push(ledger(a.job, a.loadId, 'loaded', a.count, null));
          results.set(id(a.job), { loaded: true, table: a.job.table, rows: a.count });
        }
        for (const r of inspected.refused) {
          rows.push(ledger(r.job, loadId++, 'rejected', 0, r.reason));
          results.set(id(r.job), { loaded: false, table: r.job.table, rows: 0, reason: r.reason });
        }
      } else {
        for (const job of fresh) {
          try {
            const count = await loadWithBinds(tx, job, loadId, loadedAt);
            rows.push(ledger(job, loadId++, 'loaded', count, null));
            results.set(id(job), { loaded: true, table: job.table, rows: count });
          } catch (error) {
            if (!(error instanceof RejectedObject)) throw error;
            rows.push(ledger(job, loadId++, 'rejected', 0, error.message));
            results.set(id(job), { loaded: false, table: job.table, rows: 0, reason: error.message });
          }
        }
      }
      const ts = tx.dialect === 'duckdb' ? 'TIMESTAMP' : 'TIMESTAMP_NTZ';
      const tuple = `(?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS ${ts}))`;
      for (let start = 0; start < rows.length; start += 200) {
        const slice = rows.slice(start, start + 200);
        await tx.exec(`INSERT INTO ${LEDGER_TABLE} (${LEDGER_COLUMNS.join(', ')}) VALUES ${slice.map(() => tuple).join(', ')}`, slice.flat());
      }
    });
    for (const job of fresh) {
      const result = results.get(id(job))!;
      if (result.loaded) logger.info({ key: job.key, etag: job.etag, table: job.table, rows: result.rows }, 'raw object loaded');
      else logger.warn({ key: job.key, etag: job.etag, reason: result.reason }, 'raw object refused');
    }
    return results;
  });
}

/** Downloads one object to `dir`; a result instead when it is gone. */
async function fetchObject(store: ObjectStore, request: LoadRequest, dir: string, index: number): Promise<Fetched | LoadResult> {
  const table = BRONZE_TABLES[sourceOfKey(request.key)!];
  const file = path.join(dir, `${index}.json`);
  try {
    // A plain stream to a file: the minio client's fGetObject is several times slower here.
    await pipeline(await store.getStream(request.key), createWriteStream(file));
  } catch (error) {
    if (isNotFound(error)) return { loaded: false, table, rows: 0, reason: 'object no longer exists' };
    throw error;
  }
  return { ...request, file, table };
}

/**
 * Moves one raw object into Bronze: one row per record, with its key, ETag and ingestion time.
 * Idempotent per key + ETag (the ledger row is written in the same transaction as the rows).
 * A bad object is recorded in the ledger with the reason, never skipped silently. The download
 * happens before the warehouse is locked, so several loads can fetch while one inserts.
 */
export async function loadRawObject(deps: LoaderDeps, request: LoadRequest): Promise<LoadResult> {
  const parsed = LoadRequestSchema.parse(request);
  if (!isLoadable(parsed.key)) return { loaded: false, table: null, rows: 0, reason: 'not a raw object key' };
  await ensureBronzeSchema(deps.warehouse);
  const seen = (await ledgerVerdicts(deps.warehouse, [parsed])).get(id(parsed));
  if (seen) return { loaded: false, table: BRONZE_TABLES[sourceOfKey(parsed.key)!], rows: 0, reason: seen };
  const dir = await stagingDir('load-');
  try {
    const fetched = await fetchObject(deps.store, parsed, dir, 0);
    if (!('file' in fetched)) return fetched;
    return (await commitObjects(deps, [fetched])).get(id(parsed))!;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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

/**
 * Lists raw/ and loads every object version the ledger has not seen (what `warehouse build`
 * does first). Objects are downloaded `concurrency` at a time (default 4) while the previous
 * batch of `batchSize` objects (default 32) is committed in one transaction.
 */
export async function loadPending(
  deps: LoaderDeps & { onProgress?: LoadProgress; concurrency?: number; batchSize?: number },
): Promise<PendingSummary> {
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
  const pending = candidates.filter((c) => !seen.has(id(c)));
  const summary: PendingSummary = { objects: candidates.length, loaded: 0, rejected: 0, skipped: candidates.length - pending.length, rows: 0, rejections: [] };
  const batchSize = Math.max(1, deps.batchSize ?? 32);
  const concurrency = Math.max(1, deps.concurrency ?? 4);

  const download = async (batch: LoadRequest[]) => {
    const dir = await stagingDir('load-');
    const fetched: Array<Fetched | LoadResult> = new Array(batch.length);
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const index = next++;
        fetched[index] = await fetchObject(deps.store, batch[index]!, dir, index);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker));
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return { dir, batch, fetched };
  };

  const batches: LoadRequest[][] = [];
  for (let start = 0; start < pending.length; start += batchSize) batches.push(pending.slice(start, start + batchSize));
  let done = summary.skipped;
  let downloading = batches.length > 0 ? download(batches[0]!) : undefined;
  for (let i = 0; i < batches.length; i += 1) {
    const { dir, batch, fetched } = await downloading!;
    // The next batch downloads while this one is committed.
    downloading = i + 1 < batches.length ? download(batches[i + 1]!) : undefined;
    try {
      const committed = await commitObjects(deps, fetched.filter((f): f is Fetched => 'file' in f));
      batch.forEach((request, index) => {
        const f = fetched[index]!;
        const result = 'file' in f ? committed.get(id(request))! : f;
        if (result.loaded) {
          summary.loaded += 1;
          summary.rows += result.rows;
        } else if (result.reason?.startsWith('already')) summary.skipped += 1;
        else {
          summary.rejected += 1;
          summary.rejections.push({ key: request.key, reason: result.reason ?? 'unknown' });
        }
        done += 1;
        deps.onProgress?.({ done, total: candidates.length, key: request.key });
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return summary;
}
