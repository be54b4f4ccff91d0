import { BRONZE_COLUMNS } from './bronze.ts';
import { checkHeader, diagnose, envelopeProblemIn, headerFromPrefix, refusalAfterEngineError, RejectedObject, sqlTimestamp, type Fetched, type Header } from './raw-envelope.ts';
import type { Row, Warehouse } from './warehouse.ts';

/** The DuckDB Bronze load path: the engine reads the downloaded objects itself. */

export interface Accepted {
  job: Fetched;
  header: Header;
  loadId: number;
}

/** A SQL literal for a string, integer or null (the only kinds the loader writes inline). */
export function literal(value: string | number | null): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`Expected an integer for a SQL literal but received ${value}`);
    return String(value);
  }
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * DuckDB reserves buffers of twice `maximum_object_size` for each file it reads at once, so the
 * limit is the largest file of the batch: a fixed 1 GiB cost gigabytes of reservations whatever
 * the files' size (and failed under a memory_limit), each envelope being one JSON object.
 */
const readJson = (jobs: Fetched[], columns: string) =>
  `read_json([${jobs.map((j) => literal(j.file)).join(', ')}], format = 'unstructured', filename = true, maximum_object_size = ${Math.max(1, ...jobs.map((j) => j.bytes))}, columns = {${columns}})`;

/** The envelope without its records: reading it skips materialising the records (the insert reads them). */
const HEADER_COLUMNS = "source: 'VARCHAR', rover: 'VARCHAR', solStart: 'BIGINT', solEnd: 'BIGINT', variant: 'VARCHAR', ingestedAt: 'VARCHAR', requests: 'VARCHAR[]'";

export interface Inspected {
  accepted: Array<{ job: Fetched; header: Header }>;
  refused: Array<{ job: Fetched; reason: string }>;
}

function acceptedOrNull(key: string, raw: unknown): Header | null {
  if (raw === null) return null;
  try {
    return checkHeader(key, raw);
  } catch (error) {
    if (error instanceof RejectedObject) return null;
    throw error;
  }
}

/**
 * The headers of the envelopes, each checked with zod. `prefix`: from each file's first bytes,
 * where ingestion's key order puts the header, instead of a parse of the whole file; DuckDB
 * reads the others', and all without `prefix`. The insert checks that DuckDB reads the same.
 */
export async function inspectEnvelopes(warehouse: Warehouse, jobs: Fetched[], options: { prefix: boolean }): Promise<Inspected> {
  if (!options.prefix) return inspectWithDuckDb(warehouse, jobs);
  const headers = await Promise.all(jobs.map(async (job) => acceptedOrNull(job.key, await headerFromPrefix(job.file))));
  const accepted = jobs.flatMap((job, i) => (headers[i] ? [{ job, header: headers[i] }] : []));
  // Refusals and unusual files take the engine's path, which finds the reason in the whole file.
  const rest = jobs.filter((_, i) => !headers[i]);
  if (rest.length === 0) return { accepted, refused: [] };
  const engine = await inspectWithDuckDb(warehouse, rest);
  return { accepted: [...accepted, ...engine.accepted], refused: engine.refused };
}

/**
 * DuckDB reads the envelopes' headers straight from the local files (outside any transaction:
 * a failed statement would abort it), each checked with zod; Node parses no envelope that
 * DuckDB reads. One unreadable file fails the whole read, so then they are sorted out one by one.
 */
async function inspectWithDuckDb(warehouse: Warehouse, jobs: Fetched[]): Promise<Inspected> {
  let headers: Row[];
  try {
    headers = await warehouse.query(
      `SELECT filename, source, rover, solStart AS "solStart", solEnd AS "solEnd", variant, ingestedAt AS "ingestedAt", requests FROM ${readJson(jobs, HEADER_COLUMNS)}`,
    );
  } catch (error) {
    if (jobs.length === 1) {
      // Refused when the file is at fault; the engine's own trouble (memory, disk) is not recorded, and retried later.
      const reason = await refusalAfterEngineError(jobs[0]!.file, error);
      if (reason === null) throw error;
      return { accepted: [], refused: [{ job: jobs[0]!, reason }] };
    }
    const parts: Inspected[] = [];
    for (const job of jobs) parts.push(await inspectWithDuckDb(warehouse, [job]));
    return { accepted: parts.flatMap((p) => p.accepted), refused: parts.flatMap((p) => p.refused) };
  }
  const byFile = new Map(headers.map((row) => [String(row.filename), row]));
  const result: Inspected = { accepted: [], refused: [] };
  for (const job of jobs) {
    const row = byFile.get(job.file);
    const { filename: _file, ...raw } = row ?? {};
    try {
      if (!row) throw new RejectedObject(await diagnose(job.file));
      result.accepted.push({ job, header: checkHeader(job.key, raw) });
    } catch (error) {
      if (!(error instanceof RejectedObject)) throw error;
      // The whole envelope, read in Node, says best what is wrong (a refused file is rare).
      result.refused.push({ job, reason: (await envelopeProblemIn(job.file)) ?? error.message });
    }
  }
  return result;
}

/**
 * The header DuckDB reads in the insert is the one checked. Reading it also makes DuckDB refuse
 * an object in which a header field is repeated (a second `rover` after the records).
 */
const SAME_HEADER = [
  ['source', 'source'],
  ['rover', 'rover'],
  ['solStart', 'sol_start'],
  ['solEnd', 'sol_end'],
  ['variant', 'variant'],
  ['ingestedAt', 'ingested_at_read'],
  ['requests', 'requests'],
]
  .map(([read, checked]) => `r.${read} IS NOT DISTINCT FROM m.${checked}`)
  .join(' AND ');

/**
 * One INSERT per Bronze table of `read_json(..., records JSON[])` over the batch's files, each
 * file joined to its load id, key and header first, then its records unnested beside their
 * positions (`generate_subscripts`): unnesting first and joining the rows after took three
 * times the CPU. Never a whole response as one JSON value. Returns the rows per load id.
 */
export async function insertWithDuckDb(tx: Warehouse, accepted: Accepted[], loadedAt: string): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const table of [...new Set(accepted.map((a) => a.job.table))]) {
    const group = accepted.filter((a) => a.job.table === table);
    // Literals, not binds: DuckDB reads the files in parallel for a plain statement but ran the
    // same statement prepared with binds about twice as slowly. Every value is zod-checked
    // (ints, rover enum, ISO time) or a key/ETag quoted by `literal`.
    const mapping = group
      .map((a) =>
        [
          ...[a.job.file, a.loadId, a.job.key, a.job.etag, a.header.rover, a.header.variant, a.header.solStart, a.header.solEnd, sqlTimestamp(a.header.ingestedAt)],
          ...[a.header.source, a.header.ingestedAt],
        ]
          .map(literal)
          .concat(`CAST([${a.header.requests.map(literal).join(', ')}] AS VARCHAR[])`)
          .join(', '),
      )
      .map((row) => `(${row})`)
      .join(', ');
    await tx.exec(
      `INSERT INTO ${table} (${BRONZE_COLUMNS.join(', ')})
       SELECT m.load_id, m.object_key, m.etag, m.rover, m.variant, m.sol_start, m.sol_end, CAST(m.ingested_at AS TIMESTAMP), CAST(${literal(loadedAt)} AS TIMESTAMP),
              CAST(generate_subscripts(r.records, 1) - 1 AS INTEGER), unnest(r.records)
       FROM ${readJson(group.map((a) => a.job), `${HEADER_COLUMNS}, records: 'JSON[]'`)} r
       JOIN (VALUES ${mapping}) AS m(file, load_id, object_key, etag, rover, variant, sol_start, sol_end, ingested_at, source, ingested_at_read, requests) ON m.file = r.filename
       WHERE CASE WHEN ${SAME_HEADER} THEN true ELSE error('the envelope header reads differently in the whole file: ' || m.object_key) END`,
    );
    const ids = group.map((a) => a.loadId);
    // Counted from the rows just written (a scan of one narrow column), not from a second read of the files.
    const rows = await tx.query(`SELECT load_id, COUNT(*) AS n FROM ${table} WHERE load_id BETWEEN ${Math.min(...ids)} AND ${Math.max(...ids)} GROUP BY load_id`);
    for (const row of rows) counts.set(Number(row.load_id), Number(row.n));
  }
  return counts;
}
