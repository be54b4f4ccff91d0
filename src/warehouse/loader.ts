import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { sourceOfKey } from '../timelapse/raw-objects.ts';
import type { Logger } from '../platform/logger.ts';
import type { ObjectStore } from '../platform/object-store/object-store.ts';
import { BRONZE_TABLES, LEDGER_TABLE, ensureBronzeSchema } from './bronze.ts';
import { loadWithBinds } from './bronze-binds.ts';
import { insertWithDuckDb, inspectEnvelopes, literal } from './bronze-duckdb.ts';
import { envelopeProblemIn, refusalAfterEngineError, RejectedObject, sqlTimestamp, StagedObjectChanged, unchangedSinceStaged, type Fetched } from './raw-envelope.ts';
import { errorMessage } from '../platform/errors.ts';
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
 * Takes downloaded objects into Bronze under the warehouse lock: one transaction for the whole
 * set. The ledger rows (loaded or refused, with the reason) are written in the same transaction
 * as the Bronze rows.
 */
function commitObjects(deps: LoaderDeps, jobs: Fetched[]): Promise<Map<string, LoadResult>> {
  return serialize(deps.warehouse, async () => {
    const results = new Map<string, LoadResult>();
    // Checked again under the lock: a concurrent call may have loaded some meanwhile.
    const verdicts = await ledgerVerdicts(deps.warehouse, jobs);
    const fresh = jobs.filter((job) => {
      const verdict = verdicts.get(id(job));
      if (verdict) results.set(id(job), { loaded: false, table: job.table, rows: 0, reason: verdict });
      return !verdict;
    });
    if (fresh.length > 0) {
      const committed = deps.warehouse.dialect === 'duckdb' ? await commitWithDuckDb(deps, fresh) : await commitWithBinds(deps, fresh);
      const logger = deps.logger.child({ module: 'loader' });
      for (const job of fresh) {
        const result = committed.get(id(job))!;
        results.set(id(job), result);
        if (result.loaded) logger.info({ key: job.key, etag: job.etag, table: job.table, rows: result.rows }, 'raw object loaded');
        else logger.warn({ key: job.key, etag: job.etag, reason: result.reason }, 'raw object refused');
      }
    }
    return results;
  });
}

interface LedgerEntry {
  job: Fetched;
  loadId: number;
  count: number;
  /** Null when loaded. */
  refused: string | null;
}

const loadedAtOf = (deps: LoaderDeps) => sqlTimestamp((deps.now ?? (() => new Date()))().toISOString());

/**
 * The ledger rows of one transaction: on DuckDB one INSERT of literals (a third of the time the
 * same rows took bound, 25 ms for 335 objects), elsewhere multi-row INSERTs of bound values.
 */
async function writeLedger(tx: Warehouse, entries: LedgerEntry[], loadedAt: string): Promise<Map<string, LoadResult>> {
  const rows = entries.map((e) => [e.job.key, e.job.etag, e.loadId, sourceOfKey(e.job.key), e.job.table, e.count, e.refused ? 'rejected' : 'loaded', e.refused]);
  const insert = `INSERT INTO ${LEDGER_TABLE} (${LEDGER_COLUMNS.join(', ')}) VALUES`;
  if (tx.dialect === 'duckdb') {
    const at = `CAST(${literal(loadedAt)} AS TIMESTAMP)`;
    if (rows.length > 0) await tx.exec(`${insert} ${rows.map((row) => `(${row.map(literal).join(', ')}, ${at})`).join(', ')}`);
  } else {
    for (let start = 0; start < rows.length; start += 200) {
      const slice = rows.slice(start, start + 200);
      await tx.exec(`${insert} ${slice.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMP_NTZ))').join(', ')}`, slice.flatMap((row) => [...row, loadedAt]));
    }
  }
  return new Map(
    entries.map((e) => [id(e.job), e.refused ? { loaded: false, table: e.job.table, rows: 0, reason: e.refused } : { loaded: true, table: e.job.table, rows: e.count }]),
  );
}

/**
 * DuckDB reads the files itself: their headers first (checked with zod; from the first bytes
 * of each file when they hold it), then one INSERT per Bronze table in one transaction with
 * the ledger. A file whose records DuckDB cannot take fails the whole statement; then the files
 * are committed one by one, their headers read by DuckDB, and the one that fails alone is
 * refused with the reason Node finds in it.
 */
async function commitWithDuckDb(deps: LoaderDeps, jobs: Fetched[], prefix = true): Promise<Map<string, LoadResult>> {
  const loadedAt = loadedAtOf(deps);
  const inspected = await inspectEnvelopes(deps.warehouse, jobs, { prefix });
  try {
    return await deps.warehouse.transaction(async (tx) => {
      let loadId = await nextLoadId(tx);
      const accepted = inspected.accepted.map((a) => ({ ...a, loadId: loadId++ }));
      const counts = await insertWithDuckDb(tx, accepted, loadedAt);
      await unchangedSinceStaged(accepted.map((a) => a.job));
      const entries: LedgerEntry[] = [];
      for (const a of accepted) {
        const count = counts.get(a.loadId) ?? 0;
        // No row: an empty list, or no list at all (which the header read does not see).
        const refused = count === 0 ? await envelopeProblemIn(a.job.file) : null;
        entries.push({ job: a.job, loadId: a.loadId, count, refused });
      }
      for (const r of inspected.refused) entries.push({ job: r.job, loadId: loadId++, count: 0, refused: r.reason });
      return writeLedger(tx, entries, loadedAt);
    });
  } catch (error) {
    if (error instanceof StagedObjectChanged) throw error;
    if (jobs.length > 1) {
      // Smaller statements also get past a passing shortage of memory.
      const results = new Map<string, LoadResult>();
      for (const job of jobs) for (const [key, result] of await commitWithDuckDb(deps, [job], false)) results.set(key, result);
      return results;
    }
    const job = jobs[0]!;
    // Refused when the file is at fault; the engine's own trouble (disk, memory) is not recorded, and retried later.
    const reason = await refusalAfterEngineError(job.file, error);
    if (reason === null) throw error;
    deps.logger.child({ module: 'loader' }).debug({ key: job.key, error: errorMessage(error) }, 'DuckDB could not take the records');
    return deps.warehouse.transaction(async (tx) => writeLedger(tx, [{ job, loadId: await nextLoadId(tx), count: 0, refused: reason }], loadedAt));
  }
}

/** Any other engine (Snowflake): parsed in Node, bound multi-row INSERTs, one transaction. */
async function commitWithBinds(deps: LoaderDeps, jobs: Fetched[]): Promise<Map<string, LoadResult>> {
  const loadedAt = loadedAtOf(deps);
  return deps.warehouse.transaction(async (tx) => {
    let loadId = await nextLoadId(tx);
    const entries: LedgerEntry[] = [];
    for (const job of jobs) {
      try {
        entries.push({ job, loadId, count: await loadWithBinds(tx, job, loadId, loadedAt), refused: null });
      } catch (error) {
        if (!(error instanceof RejectedObject)) throw error;
        entries.push({ job, loadId, count: 0, refused: error.message });
      }
      loadId += 1;
    }
    await unchangedSinceStaged(jobs);
    return writeLedger(tx, entries, loadedAt);
  });
}

/** Downloads one object to `dir`; a result instead when it is gone. */
async function fetchObject(store: ObjectStore, request: LoadRequest, dir: string, index: number): Promise<Fetched | LoadResult> {
  const table = BRONZE_TABLES[sourceOfKey(request.key)!];
  const file = path.join(dir, `${index}.json`);
  // One GET, or a link to the embedded store's file (checked unchanged after the read, before the commit).
  if (!(await store.getToFile(request.key, file, { link: true }))) return { loaded: false, table, rows: 0, reason: 'object no longer exists' };
  const staged = await stat(file);
  return { ...request, file, bytes: staged.size, modifiedMs: staged.mtimeMs, table };
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
 * batch is committed in one transaction; a batch holds up to `batchSize` objects (default 512)
 * and `batchBytes` (default 1 GiB: measured, each commit costs more than the overlap saves): few
 * transactions, each a few large statements.
 */
export async function loadPending(
  deps: LoaderDeps & { onProgress?: LoadProgress; concurrency?: number; batchSize?: number; batchBytes?: number },
): Promise<PendingSummary> {
  await ensureBronzeSchema(deps.warehouse);
  const seen = new Set(
    (await deps.warehouse.query(`SELECT object_key, etag FROM ${LEDGER_TABLE}`)).map((row) => {
      const [k, e] = Object.values(row);
      return `${String(k)}\u0000${String(e)}`;
    }),
  );
  const candidates: Array<LoadRequest & { size: number }> = [];
  for await (const info of deps.store.list('raw/')) {
    if (isLoadable(info.key)) candidates.push({ key: info.key, etag: info.etag, size: info.size });
  }
  candidates.sort((a, b) => a.key.localeCompare(b.key));
  const pending = candidates.filter((c) => !seen.has(id(c)));
  const summary: PendingSummary = { objects: candidates.length, loaded: 0, rejected: 0, skipped: candidates.length - pending.length, rows: 0, rejections: [] };
  const batchSize = Math.max(1, deps.batchSize ?? 512);
  const batchBytes = Math.max(1, deps.batchBytes ?? 1024 * 1024 * 1024);
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
  let bytes = 0;
  for (const request of pending) {
    const last = batches.at(-1);
    if (!last || last.length >= batchSize || bytes + request.size > batchBytes) {
      batches.push([request]);
      bytes = request.size;
    } else {
      last.push(request);
      bytes += request.size;
    }
  }
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
