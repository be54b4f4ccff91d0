import { z } from 'zod';
import { lowerKeys, type Warehouse } from '../warehouse/warehouse.ts';

/** A camera-and-sols combination the warehouse has frames for, offered in the form. */
export interface Suggestion {
  rover: string;
  camera: string;
  solStart: number;
  solEnd: number;
  frames: number;
  /** A command sequence (NCAM00545) of same-size frames, and the eye it was taken with. */
  sequenceId?: string;
  eye?: string;
}

/** A stretch of the rover's drive on one sol, as the run page's map draws it. */
export interface TraverseSegment {
  sol: number | null;
  /** [longitude, latitude] in degrees. */
  points: Array<[number, number]>;
}

/** Everything the gallery reads, behind one face so pages can be tested on plain data. */
export interface GalleryData {
  listRuns(): Promise<RunRow[]>;
  getRun(requestId: string): Promise<RunRow | null>;
  getRunFrames(requestId: string): Promise<FrameRow[]>;
  /** The rover's drive over the sols, with a few sols of context either side. */
  traverse(rover: string, solStart: number, solEnd: number): Promise<TraverseSegment[]>;
  /**
   * Sequences and sols the warehouse has full-size frames for: sequences of 8 to 40 same-size
   * frames first (cloud movies, dust-devil surveys), then the rest, most frames first.
   */
  suggestions(): Promise<Suggestion[]>;
}

/*
 * What the gallery reads from the warehouse: render runs and their frame decisions
 * (MARS_LINEAGE) and the rover's path (MARS_SILVER.FACT_PATH). Rows are checked with zod, and
 * column names are lower-cased first because Snowflake upper-cases unquoted names.
 */

const text = z.string();
const int = z.coerce.number().int();
const num = z.coerce.number();
const optionalText = text.nullish().transform((v) => v ?? null);
const optionalNum = num.nullish().transform((v) => v ?? null);
const bool = z.union([z.boolean(), z.number(), z.string()]).transform((v) => v === true || v === 1 || v === 'true' || v === '1');
const jsonObject = z
  .unknown()
  .transform((v): Record<string, unknown> => {
    const value = typeof v === 'string' ? safeJson(v) : v;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  });

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}

export const RunRowSchema = z.object({
  request_id: text,
  rover_name: text,
  camera_name: text,
  sol_start: int,
  sol_end: int,
  status: text,
  error: optionalText,
  started_at: optionalText,
  finished_at: optionalText,
  frames_total: optionalNum,
  frames_accepted: optionalNum,
  video_key: optionalText,
  poster_key: optionalText,
  contact_key: optionalText,
  manifest_key: optionalText,
  duration_seconds: optionalNum,
  parameters: jsonObject,
  /** `normal` or `motion`; null for runs recorded before modes existed. */
  mode: optionalText,
  stabilised: bool.nullish().transform((v) => v ?? false),
  /** Stabilisation (zoom, mean and largest correction) and motion-view parameters. */
  view_parameters: jsonObject,
  stabilised_video_key: optionalText,
  motion_video_key: optionalText,
  /** Frames fetched from this machine (a replay server): with the sample's selection, its derived frames. */
  local_frames: int.default(0),
});
export type RunRow = z.infer<typeof RunRowSchema>;

export const FrameRowSchema = z.object({
  candidate_index: int,
  image_id: text,
  frame_index: optionalNum,
  accepted: bool,
  reason: optionalText,
  detail: optionalText,
  metrics: jsonObject,
  source_url: optionalText,
  object_key: optionalText,
});
export type FrameRow = z.infer<typeof FrameRowSchema>;

const runColumns = `r.request_id, r.rover_name, r.camera_name, r.sol_start, r.sol_end, r.status, r.error,
  CAST(r.started_at AS VARCHAR) AS started_at, CAST(r.finished_at AS VARCHAR) AS finished_at,
  r.frames_total, r.frames_accepted, r.video_key, r.poster_key, r.contact_key, r.manifest_key, r.duration_seconds,
  CAST(r.parameters AS VARCHAR) AS parameters,
  r.mode, r.stabilised, CAST(r.view_parameters AS VARCHAR) AS view_parameters, r.stabilised_video_key, r.motion_video_key,
  (SELECT COUNT(*) FROM MARS_LINEAGE.RENDER_FRAMES f WHERE f.request_id = r.request_id
     AND (f.source_url LIKE 'http://127.0.0.1:%' OR f.source_url LIKE 'http://localhost:%')) AS local_frames`;

const SuggestionRowSchema = z.object({
  kind: text,
  rover_name: text,
  camera_name: text,
  eye: text.nullish(),
  sequence_id: text.nullish(),
  sol: int,
  full_frames: int,
});
const PathRowSchema = z.object({ sol: optionalNum, geometry: z.unknown() });
const GeometrySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('LineString'), coordinates: z.array(z.array(z.number()).min(2)) }),
  z.object({ type: z.literal('MultiLineString'), coordinates: z.array(z.array(z.array(z.number()).min(2))) }),
]);

/** Sols of drive shown before and after a run's own, so the map shows where the rover came from. */
const CONTEXT_SOLS = { before: 10, after: 5 };

/** The gallery's reads from the warehouse (DuckDB or Snowflake). */
export class WarehouseGalleryData implements GalleryData {
  constructor(private readonly warehouse: Warehouse) {}

  async listRuns(): Promise<RunRow[]> {
    const rows = await this.warehouse.query(
      `SELECT ${runColumns} FROM MARS_LINEAGE.RENDER_RUNS r ORDER BY r.started_at DESC, r.request_id LIMIT 200`,
    );
    return rows.map((row) => RunRowSchema.parse(lowerKeys(row)));
  }

  async getRun(requestId: string): Promise<RunRow | null> {
    const rows = await this.warehouse.query(`SELECT ${runColumns} FROM MARS_LINEAGE.RENDER_RUNS r WHERE r.request_id = ?`, [requestId]);
    return rows[0] ? RunRowSchema.parse(lowerKeys(rows[0])) : null;
  }

  async getRunFrames(requestId: string): Promise<FrameRow[]> {
    const rows = await this.warehouse.query(
      `SELECT candidate_index, image_id, frame_index, accepted, reason, detail, metrics, source_url, object_key
         FROM MARS_LINEAGE.RENDER_FRAMES WHERE request_id = ? ORDER BY candidate_index`,
      [requestId],
    );
    return rows.map((row) => FrameRowSchema.parse(lowerKeys(row)));
  }

  async traverse(rover: string, solStart: number, solEnd: number): Promise<TraverseSegment[]> {
    const rows = await this.warehouse.query(
      `SELECT sol, TO_JSON(geometry) AS geometry FROM MARS_SILVER.FACT_PATH
        WHERE rover_name = ? AND sol BETWEEN ? AND ? ORDER BY segment_index`,
      [rover, Math.max(0, solStart - CONTEXT_SOLS.before), solEnd + CONTEXT_SOLS.after],
    );
    const segments: TraverseSegment[] = [];
    for (const raw of rows) {
      const row = PathRowSchema.parse(lowerKeys(raw));
      // TO_JSON gives text on Snowflake and JSON on DuckDB; a geometry held as text arrives quoted once more.
      const once = typeof row.geometry === 'string' ? safeJson(row.geometry) : row.geometry;
      const geometry = GeometrySchema.safeParse(typeof once === 'string' ? safeJson(once) : once);
      if (!geometry.success) continue;
      const lines = geometry.data.type === 'LineString' ? [geometry.data.coordinates] : geometry.data.coordinates;
      for (const line of lines) segments.push({ sol: row.sol, points: line.map((p) => [p[0]!, p[1]!] as [number, number]) });
    }
    return segments;
  }

  async suggestions(): Promise<Suggestion[]> {
    const rows = await this.warehouse.query(
      `SELECT kind, rover_name, camera_name, eye, sequence_id, sol, full_frames FROM MARS_GOLD.TIMELAPSE_CANDIDATES
        WHERE full_frames >= 2
        ORDER BY CASE WHEN kind = 'sequence' AND full_frames BETWEEN 8 AND 40 THEN 0 ELSE 1 END, full_frames DESC, sol DESC, rover_name, camera_name, sequence_id
        LIMIT 12`,
    );
    return rows.map((raw) => {
      const row = SuggestionRowSchema.parse(lowerKeys(raw));
      const sequence = row.kind === 'sequence' && row.sequence_id ? { sequenceId: row.sequence_id, ...(row.eye ? { eye: row.eye } : {}) } : {};
      return { rover: row.rover_name, camera: row.camera_name, solStart: row.sol, solEnd: row.sol, frames: row.full_frames, ...sequence };
    });
  }
}
