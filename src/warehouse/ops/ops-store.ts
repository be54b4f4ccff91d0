import type { DeadLetter, IngestionRun } from '../../timelapse/topics.ts';
import type { DataTestResult } from '../data-tests/run-data-tests.ts';
import { ensureDdlFolder, sqlFolder } from '../ddl-folder.ts';
import type { ModelRunResult } from '../models/run-models.ts';
import { toTimestamp } from '../timestamps.ts';
import { lowerKeys, type Warehouse } from '../warehouse.ts';

/** `sql/ops/`: MARS_OPS, the pipeline's own history. */
export const OPS_SQL_DIR = sqlFolder('ops');

/** Creates MARS_OPS and its tables if missing. Once per warehouse. */
export function ensureOpsSchema(warehouse: Warehouse): Promise<void> {
  return ensureDdlFolder(warehouse, OPS_SQL_DIR);
}

/** What one build did, as MARS_OPS keeps it. */
export interface BuildRecord {
  buildId: string;
  startedAt: string;
  finishedAt: string;
  loaded: number;
  refused: number;
  models: ModelRunResult[];
  tests: DataTestResult[];
  ms: number;
}

export type ReplayClaim = { claimed: true } | { claimed: false; replayedAt: string; replayedBy: string };

/**
 * Writes and reads MARS_OPS. Rows are only added (a dead letter or a run recorded twice, by a
 * redelivered message, stays one row), so the history survives restarts and can be queried.
 */
export class OpsStore {
  constructor(private readonly warehouse: Warehouse) {}

  async recordIngestRun(run: IngestionRun): Promise<void> {
    await ensureOpsSchema(this.warehouse);
    await this.warehouse.transaction(async (tx) => {
      await tx.exec('DELETE FROM MARS_OPS.INGEST_RUNS WHERE run_id = ?', [run.runId]);
      await tx.insertRows(
        'MARS_OPS.INGEST_RUNS',
        ['run_id', 'source', 'rover_name', 'sol_start', 'sol_end', 'status', 'attempt', 'requests', 'records', 'quarantined', 'retries', 'rate_limit_waits', 'rate_limit_wait_ms', 'objects', 'error', 'started_at', 'finished_at'],
        [[
          run.runId, run.source, run.rover, run.solStart, run.solEnd, run.status, run.attempt, run.requests, run.records, run.quarantined,
          run.retries, run.rateLimitWaits, run.rateLimitWaitMs, run.objects, run.error, toTimestamp(run.startedAt), toTimestamp(run.finishedAt),
        ]],
      );
    });
  }

  async recordBuild(build: BuildRecord): Promise<void> {
    await ensureOpsSchema(this.warehouse);
    const count = (status: DataTestResult['status']) => build.tests.filter((t) => t.status === status).length;
    await this.warehouse.transaction(async (tx) => {
      await tx.insertRows(
        'MARS_OPS.BUILDS',
        ['build_id', 'started_at', 'finished_at', 'objects_loaded', 'objects_refused', 'tests_passed', 'tests_warned', 'tests_failed', 'ok', 'ms'],
        [[build.buildId, toTimestamp(build.startedAt), toTimestamp(build.finishedAt), build.loaded, build.refused, count('pass'), count('warn'), count('fail'), count('fail') === 0, build.ms]],
      );
      await tx.insertRows(
        'MARS_OPS.MODEL_RUNS',
        ['build_id', 'model', 'materialized', 'row_count', 'merged', 'ms'],
        build.models.map((m) => [build.buildId, m.name, m.materialized, m.rows, m.merged ?? null, m.ms]),
      );
      await tx.insertRows(
        'MARS_OPS.DATA_TEST_RESULTS',
        ['build_id', 'test_name', 'model', 'severity', 'status', 'failures', 'error'],
        build.tests.map((t) => [build.buildId, t.name, t.model, t.severity, t.status, t.failures, t.error ?? null]),
      );
    });
  }

  /** Records a letter once: a redelivered one changes nothing. */
  async recordDeadLetter(letterId: string, letter: DeadLetter): Promise<void> {
    await ensureOpsSchema(this.warehouse);
    await this.warehouse.transaction(async (tx) => {
      if ((await tx.query('SELECT letter_id FROM MARS_OPS.DEAD_LETTERS WHERE letter_id = ?', [letterId])).length > 0) return;
      await tx.insertRows(
        'MARS_OPS.DEAD_LETTERS',
        ['letter_id', 'reason', 'detail', 'topic', 'source_partition', 'source_offset', 'message_key', 'message_value', 'consumer', 'dead_lettered_at'],
        [[letterId, letter.reason, letter.detail, letter.topic, letter.partition, letter.offset, letter.key, letter.value, letter.consumer, toTimestamp(letter.at)]],
      );
    });
  }

  /** Dead letters, newest first, with when (and by whom) each was replayed. */
  async listDeadLetters(filter: { reason?: string; topic?: string; letterId?: string; limit?: number } = {}): Promise<DeadLetterRow[]> {
    await ensureOpsSchema(this.warehouse);
    return listDeadLetters(this.warehouse, filter);
  }

  /**
   * Marks a letter replayed unless it already is: the one place that makes a replay happen
   * once. The caller publishes after a claim, and releases it if the publish fails.
   */
  async claimReplay(letterId: string, by: string, at = new Date()): Promise<ReplayClaim> {
    await ensureOpsSchema(this.warehouse);
    return this.warehouse.transaction(async (tx) => {
      const [existing] = (await tx.query('SELECT replayed_at, replayed_by FROM MARS_OPS.DEAD_LETTER_REPLAYS WHERE letter_id = ?', [letterId])).map(lowerKeys);
      if (existing) return { claimed: false, replayedAt: String(existing.replayed_at), replayedBy: String(existing.replayed_by) };
      await tx.insertRows('MARS_OPS.DEAD_LETTER_REPLAYS', ['letter_id', 'replayed_at', 'replayed_by'], [[letterId, toTimestamp(at.toISOString()), by]]);
      return { claimed: true };
    });
  }

  async releaseReplay(letterId: string): Promise<void> {
    await this.warehouse.exec('DELETE FROM MARS_OPS.DEAD_LETTER_REPLAYS WHERE letter_id = ?', [letterId]);
  }
}

export interface DeadLetterRow {
  letterId: string;
  reason: string;
  detail: string;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  consumer: string;
  deadLetteredAt: string;
  replayedAt: string | null;
  replayedBy: string | null;
}

/** The read side of dead letters, on any warehouse (a read-only one through the service too). */
export async function listDeadLetters(
  warehouse: Warehouse,
  filter: { reason?: string; topic?: string; letterId?: string; limit?: number } = {},
): Promise<DeadLetterRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  for (const [column, value] of [['d.reason', filter.reason], ['d.topic', filter.topic], ['d.letter_id', filter.letterId]] as const) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  const rows = await warehouse.query(
    `SELECT d.letter_id, d.reason, d.detail, d.topic, d.source_partition, d.source_offset, d.message_key, d.message_value, d.consumer,
       CAST(d.dead_lettered_at AS VARCHAR) AS dead_lettered_at, CAST(r.replayed_at AS VARCHAR) AS replayed_at, r.replayed_by
     FROM MARS_OPS.DEAD_LETTERS d LEFT JOIN MARS_OPS.DEAD_LETTER_REPLAYS r ON r.letter_id = d.letter_id
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY d.dead_lettered_at DESC, d.letter_id DESC
     LIMIT ${Math.max(1, Math.min(filter.limit ?? 500, 10_000))}`,
    params,
  );
  return rows.map(lowerKeys).map((r) => ({
    letterId: String(r.letter_id),
    reason: String(r.reason),
    detail: String(r.detail),
    topic: String(r.topic),
    partition: Number(r.source_partition),
    offset: String(r.source_offset),
    key: r.message_key === null || r.message_key === undefined ? null : String(r.message_key),
    value: r.message_value === null || r.message_value === undefined ? null : String(r.message_value),
    consumer: String(r.consumer),
    deadLetteredAt: String(r.dead_lettered_at),
    replayedAt: r.replayed_at === null || r.replayed_at === undefined ? null : String(r.replayed_at),
    replayedBy: r.replayed_by === null || r.replayed_by === undefined ? null : String(r.replayed_by),
  }));
}
