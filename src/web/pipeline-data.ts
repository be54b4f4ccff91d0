import { listDeadLetters, type DeadLetterRow } from '../warehouse/ops/ops-store.ts';
import { lowerKeys, type Row, type Warehouse } from '../warehouse/warehouse.ts';

/** One section's rows, or why there are none (its table is not built yet, say). */
export type Section<T> = { rows: T[]; error?: string };

export interface PipelineView {
  ingestRuns: Section<Row>;
  ledger: Section<Row>;
  ledgerCounts: Section<Row>;
  builds: Section<Row>;
  modelRuns: Section<Row>;
  testHistory: Section<Row>;
  planning: Section<Row>;
  anomalies: Section<Row>;
  anomalyCounts: Section<Row>;
  deadLetters: Section<DeadLetterRow>;
}

/** Everything the /pipeline page reads, behind one face so the page can be tested on plain data. */
export interface PipelineData {
  view(): Promise<PipelineView>;
  /** Changes whenever something the page shows may have changed: the page refreshes on it. */
  fingerprint(): Promise<string>;
}

async function section<T>(read: () => Promise<T[]>): Promise<Section<T>> {
  try {
    return { rows: await read() };
  } catch (error) {
    return { rows: [], error: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  }
}

/**
 * The page's reads, on MARS_OPS (run history), the loader's ledger, INGESTION_PLANNING and
 * PHOTO_ANOMALIES. Timestamps come back as text; column names lower-cased for Snowflake.
 */
export class WarehousePipelineData implements PipelineData {
  constructor(private readonly warehouse: Warehouse) {}

  private async rows(sql: string): Promise<Row[]> {
    return (await this.warehouse.query(sql)).map(lowerKeys);
  }

  async view(): Promise<PipelineView> {
    const [ingestRuns, ledger, ledgerCounts, builds, modelRuns, testHistory, planning, anomalies, anomalyCounts, deadLetters] = await Promise.all([
      // The last five attempts per source and rover.
      section(() =>
        this.rows(`SELECT source, rover_name, sol_start, sol_end, status, attempt, requests, records, quarantined, retries, rate_limit_waits,
            rate_limit_wait_ms, objects, error, CAST(finished_at AS VARCHAR) AS finished_at
          FROM MARS_OPS.INGEST_RUNS
          QUALIFY ROW_NUMBER() OVER (PARTITION BY source, rover_name ORDER BY finished_at DESC, run_id DESC) <= 5
          ORDER BY source, rover_name, finished_at DESC`),
      ),
      // Refused objects first, then the latest loads.
      section(() =>
        this.rows(`SELECT object_key, status, reason, record_count, CAST(loaded_at AS VARCHAR) AS loaded_at FROM MARS_BRONZE.LOADED_OBJECTS
          ORDER BY CASE WHEN status = 'loaded' THEN 1 ELSE 0 END, loaded_at DESC, object_key LIMIT 50`),
      ),
      section(() => this.rows('SELECT status, COUNT(*) AS objects, SUM(record_count) AS records FROM MARS_BRONZE.LOADED_OBJECTS GROUP BY status ORDER BY status')),
      section(() =>
        this.rows(`SELECT build_id, CAST(started_at AS VARCHAR) AS started_at, objects_loaded, objects_refused, tests_passed, tests_warned, tests_failed, ok, ms
          FROM MARS_OPS.BUILDS ORDER BY started_at DESC, build_id DESC LIMIT 10`),
      ),
      section(() =>
        this.rows(`SELECT model, materialized, row_count, merged, ms FROM MARS_OPS.MODEL_RUNS
          WHERE build_id = (SELECT MAX(build_id) FROM MARS_OPS.BUILDS) ORDER BY model`),
      ),
      // Every test that warned or failed in one of the last ten builds, build by build.
      section(() =>
        this.rows(`SELECT t.test_name, t.severity, t.status, t.failures, CAST(b.started_at AS VARCHAR) AS started_at
          FROM MARS_OPS.DATA_TEST_RESULTS t
          JOIN (SELECT build_id, started_at FROM MARS_OPS.BUILDS ORDER BY started_at DESC, build_id DESC LIMIT 10) b ON b.build_id = t.build_id
          WHERE t.status <> 'pass' ORDER BY b.started_at DESC, t.test_name`),
      ),
      section(() => this.rows('SELECT rover_name, sol_start, sol_end, missing_photos, sols, reason FROM MARS_GOLD.INGESTION_PLANNING ORDER BY missing_photos DESC, rover_name, sol_start LIMIT 50')),
      section(() => this.rows('SELECT rover_name, sol, camera_name, kind, expected, observed, detail FROM MARS_GOLD.PHOTO_ANOMALIES ORDER BY kind, rover_name, sol, camera_name LIMIT 200')),
      section(() => this.rows('SELECT kind, COUNT(*) AS findings FROM MARS_GOLD.PHOTO_ANOMALIES GROUP BY kind ORDER BY kind')),
      section(() => listDeadLetters(this.warehouse, { limit: 100 })),
    ]);
    return { ingestRuns, ledger, ledgerCounts, builds, modelRuns, testHistory, planning, anomalies, anomalyCounts, deadLetters };
  }

  async fingerprint(): Promise<string> {
    const parts = await Promise.all(
      ['MARS_OPS.INGEST_RUNS', 'MARS_OPS.BUILDS', 'MARS_OPS.DEAD_LETTERS', 'MARS_OPS.DEAD_LETTER_REPLAYS', 'MARS_BRONZE.LOADED_OBJECTS'].map(async (table) => {
        const [row] = await this.warehouse.query(`SELECT COUNT(*) AS n FROM ${table}`).catch(() => [{ n: '-' }]);
        return String(Object.values(row ?? {})[0]);
      }),
    );
    return parts.join('/');
  }
}
