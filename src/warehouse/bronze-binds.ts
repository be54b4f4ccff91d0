import { RawEnvelopeSchema } from '../timelapse/raw-objects.ts';
import { BRONZE_COLUMNS } from './bronze.ts';
import { checkHeader, envelopeProblem, parseFile, RejectedObject, sqlTimestamp, type Fetched } from './raw-envelope.ts';
import type { Warehouse } from './warehouse.ts';

/**
 * The Bronze load path of any other engine (Snowflake): parse in Node, then multi-row INSERTs
 * of bound values with PARSE_JSON, 200 records a statement (see README for why not a stage).
 */
export async function loadWithBinds(tx: Warehouse, job: Fetched, loadId: number, loadedAt: string): Promise<number> {
  const parsed = RawEnvelopeSchema.safeParse(await parseFile(job.file));
  if (!parsed.success) throw new RejectedObject(envelopeProblem(parsed.error.issues));
  const header = checkHeader(job.key, parsed.data);
  const values = [loadId, job.key, job.etag, header.rover, header.variant, header.solStart, header.solEnd, sqlTimestamp(header.ingestedAt), loadedAt];
  const records = parsed.data.records;
  // 11 binds a row: 200 rows stay far below statement and bind limits.
  const batch = 200;
  const tuple = `(${BRONZE_COLUMNS.map(() => '?').join(', ')})`;
  const aliases = BRONZE_COLUMNS.map((c) => `v_${c}`);
  for (let start = 0; start < records.length; start += batch) {
    const slice = records.slice(start, start + batch);
    const binds = slice.flatMap((record, i) => [...values, start + i, JSON.stringify(record)]);
    await tx.exec(
      `INSERT INTO ${job.table} (${BRONZE_COLUMNS.join(', ')})
       SELECT v_load_id, v_object_key, v_etag, v_rover, v_variant, v_sol_start, v_sol_end, CAST(v_ingested_at AS TIMESTAMP_NTZ), CAST(v_loaded_at AS TIMESTAMP_NTZ), v_record_index, PARSE_JSON(v_record)
       FROM (VALUES ${slice.map(() => tuple).join(', ')}) AS v(${aliases.join(', ')})`,
      binds,
    );
  }
  return records.length;
}
