import { z } from 'zod';
import type { ImageAsset, RenderFrameRecord, RenderRunRecord } from '../../timelapse/lineage-records.ts';
import { ensureDdlFolder, sqlFolder } from '../ddl-folder.ts';
import { toTimestamp } from '../timestamps.ts';
import { serialQueue } from '../serialize.ts';
import { lowerKeys, type Warehouse } from '../warehouse.ts';

/** `sql/lineage/`. */
export const LINEAGE_SQL_DIR = sqlFolder('lineage');

/** Creates MARS_LINEAGE and its tables if missing (`sql/lineage/*.sql`, in file-name order). Once per warehouse. */
export function ensureLineageSchema(warehouse: Warehouse, sqlDir = LINEAGE_SQL_DIR): Promise<void> {
  return ensureDdlFolder(warehouse, sqlDir);
}

// Rows are read through lowerKeys: column names as written in the SQL; Snowflake upper-cases them.
const num = z.union([z.number(), z.string().transform(Number)]);
const nullableNum = num.nullable();
const json = z.string().nullable().transform((text) => (text === null ? null : JSON.parse(text)));
const timestamp = z.union([z.string(), z.date().transform((d) => d.toISOString())]);

const AssetRowSchema = z
  .object({
    image_id: z.string(),
    rover_name: z.string().nullable(),
    camera_name: z.string().nullable(),
    sol: nullableNum,
    source_url: z.string(),
    object_key: z.string(),
    sha256: z.string(),
    bytes: num,
    content_type: z.string(),
    width: nullableNum,
    height: nullableNum,
    fetched_at: timestamp,
  })
  .transform(
    (r): ImageAsset => ({
      imageId: r.image_id,
      roverName: r.rover_name,
      cameraName: r.camera_name,
      sol: r.sol,
      sourceUrl: r.source_url,
      objectKey: r.object_key,
      sha256: r.sha256,
      bytes: r.bytes,
      contentType: r.content_type,
      width: r.width,
      height: r.height,
      fetchedAt: r.fetched_at,
    }),
  );

const RunRowSchema = z
  .object({
    request_id: z.string(),
    rover_name: z.string(),
    camera_name: z.string(),
    sol_start: num,
    sol_end: num,
    parameters: json,
    status: z.enum(['running', 'completed', 'failed']),
    error: z.string().nullable(),
    started_at: timestamp,
    finished_at: timestamp.nullable(),
    timings: json,
    frames_total: num,
    frames_accepted: nullableNum,
    video_key: z.string().nullable(),
    poster_key: z.string().nullable(),
    contact_key: z.string().nullable(),
    manifest_key: z.string().nullable(),
    duration_seconds: nullableNum,
    mode: z.string().nullable(),
    stabilised: z.union([z.boolean(), z.string().transform((v) => v === 'true' || v === '1')]).nullable(),
    view_parameters: json,
    stabilised_video_key: z.string().nullable(),
    motion_video_key: z.string().nullable(),
  })
  .transform(
    (r): RenderRunRecord => ({
      requestId: r.request_id,
      roverName: r.rover_name,
      cameraName: r.camera_name,
      solStart: r.sol_start,
      solEnd: r.sol_end,
      parameters: r.parameters,
      status: r.status,
      error: r.error,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      timings: r.timings as Record<string, number> | null,
      framesTotal: r.frames_total,
      framesAccepted: r.frames_accepted,
      videoKey: r.video_key,
      posterKey: r.poster_key,
      contactKey: r.contact_key,
      manifestKey: r.manifest_key,
      durationSeconds: r.duration_seconds,
      mode: r.mode,
      stabilised: r.stabilised,
      viewParameters: r.view_parameters,
      stabilisedVideoKey: r.stabilised_video_key,
      motionVideoKey: r.motion_video_key,
    }),
  );

const FrameRowSchema = z
  .object({
    request_id: z.string(),
    image_id: z.string(),
    sol: nullableNum,
    candidate_index: num,
    frame_index: nullableNum,
    accepted: z.union([z.boolean(), z.string().transform((s) => s === 'true' || s === '1')]),
    reason: z.string().nullable(),
    detail: z.string().nullable(),
    metrics: json,
    source_url: z.string(),
    object_key: z.string().nullable(),
  })
  .transform(
    (r): RenderFrameRecord => ({
      requestId: r.request_id,
      imageId: r.image_id,
      sol: r.sol,
      candidateIndex: r.candidate_index,
      frameIndex: r.frame_index,
      accepted: r.accepted,
      reason: r.reason,
      detail: r.detail,
      metrics: r.metrics as object | null,
      sourceUrl: r.source_url,
      objectKey: r.object_key,
    }),
  );

const ASSET_COLUMNS = ['image_id', 'rover_name', 'camera_name', 'sol', 'source_url', 'object_key', 'sha256', 'bytes', 'content_type', 'width', 'height', 'fetched_at'];
const RUN_COLUMNS = [
  'request_id', 'rover_name', 'camera_name', 'sol_start', 'sol_end', 'parameters', 'status', 'error', 'started_at', 'finished_at',
  'timings', 'frames_total', 'frames_accepted', 'video_key', 'poster_key', 'contact_key', 'manifest_key', 'duration_seconds',
  'mode', 'stabilised', 'view_parameters', 'stabilised_video_key', 'motion_video_key',
];
const FRAME_COLUMNS = ['request_id', 'image_id', 'sol', 'candidate_index', 'frame_index', 'accepted', 'reason', 'detail', 'metrics', 'source_url', 'object_key'];

const toJson = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

/** Lineage writes, one at a time per warehouse across every LineageStore over it (apart from loads and builds). */
const lineageWrites = serialQueue();

/**
 * Reads and writes MARS_LINEAGE. Writes are delete-then-insert on the row's key inside one
 * transaction (no MERGE or ON CONFLICT: that keeps the SQL common to DuckDB and Snowflake), and
 * go one at a time per warehouse, whichever store (concurrent renders) sends them, since a
 * DuckDB transaction holds the one shared connection.
 */
export class LineageStore {
  constructor(private readonly warehouse: Warehouse) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    return lineageWrites(this.warehouse, fn);
  }

  async findImageAssets(imageIds: readonly string[]): Promise<Map<string, ImageAsset>> {
    const found = new Map<string, ImageAsset>();
    const batch = 500;
    for (let start = 0; start < imageIds.length; start += batch) {
      const ids = imageIds.slice(start, start + batch);
      const rows = await this.warehouse.query(
        `SELECT ${ASSET_COLUMNS.join(', ')} FROM MARS_LINEAGE.IMAGE_ASSETS WHERE image_id IN (${ids.map(() => '?').join(', ')})`,
        ids,
      );
      for (const row of rows) {
        const asset = AssetRowSchema.parse(lowerKeys(row));
        found.set(asset.imageId, asset);
      }
    }
    return found;
  }

  recordImageAsset(asset: ImageAsset): Promise<void> {
    return this.serial(() =>
      this.warehouse.transaction(async (tx) => {
        await tx.exec('DELETE FROM MARS_LINEAGE.IMAGE_ASSETS WHERE image_id = ?', [asset.imageId]);
        await tx.insertRows('MARS_LINEAGE.IMAGE_ASSETS', ASSET_COLUMNS, [
          [
            asset.imageId, asset.roverName, asset.cameraName, asset.sol, asset.sourceUrl, asset.objectKey, asset.sha256,
            asset.bytes, asset.contentType, asset.width, asset.height, toTimestamp(asset.fetchedAt),
          ],
        ]);
      }),
    );
  }

  async getRun(requestId: string): Promise<RenderRunRecord | null> {
    const rows = await this.warehouse.query(`SELECT ${RUN_COLUMNS.join(', ')} FROM MARS_LINEAGE.RENDER_RUNS WHERE request_id = ?`, [requestId]);
    return rows.length === 0 ? null : RunRowSchema.parse(lowerKeys(rows[0]!));
  }

  async getFrames(requestId: string): Promise<RenderFrameRecord[]> {
    const rows = await this.warehouse.query(
      `SELECT ${FRAME_COLUMNS.join(', ')} FROM MARS_LINEAGE.RENDER_FRAMES WHERE request_id = ? ORDER BY candidate_index`,
      [requestId],
    );
    return rows.map((row) => FrameRowSchema.parse(lowerKeys(row)));
  }

  /** Writes the run row, and with `frames` replaces the run's frame rows, in one transaction. */
  saveRun(run: RenderRunRecord, frames?: readonly RenderFrameRecord[]): Promise<void> {
    return this.serial(() =>
      this.warehouse.transaction(async (tx) => {
        await tx.exec('DELETE FROM MARS_LINEAGE.RENDER_RUNS WHERE request_id = ?', [run.requestId]);
        await tx.insertRows('MARS_LINEAGE.RENDER_RUNS', RUN_COLUMNS, [
          [
            run.requestId, run.roverName, run.cameraName, run.solStart, run.solEnd, toJson(run.parameters), run.status, run.error,
            toTimestamp(run.startedAt), toTimestamp(run.finishedAt), toJson(run.timings), run.framesTotal, run.framesAccepted,
            run.videoKey, run.posterKey, run.contactKey, run.manifestKey, run.durationSeconds,
            run.mode ?? null, run.stabilised ?? null, toJson(run.viewParameters), run.stabilisedVideoKey ?? null, run.motionVideoKey ?? null,
          ],
        ]);
        if (frames) {
          await tx.exec('DELETE FROM MARS_LINEAGE.RENDER_FRAMES WHERE request_id = ?', [run.requestId]);
          await tx.insertRows(
            'MARS_LINEAGE.RENDER_FRAMES',
            FRAME_COLUMNS,
            frames.map((f) => [
              f.requestId, f.imageId, f.sol, f.candidateIndex, f.frameIndex, f.accepted, f.reason, f.detail, toJson(f.metrics),
              f.sourceUrl, f.objectKey,
            ]),
          );
        }
      }),
    );
  }
}
