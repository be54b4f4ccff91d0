import { z } from 'zod';
import { FrameCandidateSchema, type FrameCandidate } from '../../timelapse/frame-candidate.ts';
import { MarsError } from '../../platform/errors.ts';
import type { Eye } from '../../timelapse/schemas.ts';
import { lowerKeys, type Warehouse } from '../warehouse.ts';

export interface FrameSelection {
  rover: string;
  /** A camera family (NAVCAM, MAST) or one instrument (NAV_LEFT_B, NAVCAM_LEFT). */
  camera: string;
  solStart: number;
  solEnd: number;
  /** The eye a two-eyed family renders. Default left; an instrument named brings its own. */
  eye?: Eye;
  /** Only the frames of this command sequence (NCAM00545), within the sols. */
  sequenceId?: string;
}

/** A selection that can never give frames as asked: the reason is for the person who asked. */
export class SelectionError extends MarsError {
  constructor(message: string, code: 'UNKNOWN_CAMERA' | 'EMPTY_SELECTION') {
    super(message, code, false);
  }
}

const PhotoRowSchema = z.object({
  image_id: z.coerce.string(),
  rover_name: z.string(),
  camera_name: z.string(),
  camera_family: z.string().nullish(),
  eye: z.string().nullish(),
  sol: z.coerce.number().int(),
  img_src: z.string(),
  taken_at: z.coerce.string().nullish(),
  sclk: z.coerce.number().nullish(),
  width: z.coerce.number().int().nullish(),
  height: z.coerce.number().int().nullish(),
  sample_type: z.string().nullish(),
});

/**
 * The full-size frames of one rover's camera over a sol range, from MARS_SILVER.FACT_PHOTOS, in
 * playback order: sol by sol, by time taken, then spacecraft clock, then image id (numeric ids
 * compare by length first, so 99 comes before 100). The sol leads because the classic API gives
 * neither time nor clock, and its ids need not rise from one sol to the next.
 *
 * The camera is a family or an instrument (MARS_SILVER.DIM_CAMERAS); a sequence id keeps the
 * frames of that command sequence only. A family with two eyes gives
 * the frames of one eye only, the left unless `eye` says otherwise: eyes never interleave. Throws
 * a SelectionError naming the rover's cameras when the camera is unknown, or the cameras that do
 * have frames when the range has none.
 */
export async function selectFrames(warehouse: Warehouse, selection: FrameSelection): Promise<FrameCandidate[]> {
  const rover = selection.rover.toLowerCase();
  const camera = selection.camera.toUpperCase();
  const sequence = selection.sequenceId?.toUpperCase();
  const raw = await warehouse.query(
    `SELECT image_id, rover_name, camera_name, camera_family, eye, sol, img_src, CAST(taken_at AS VARCHAR) AS taken_at, sclk, width, height, sample_type
       FROM MARS_SILVER.FACT_PHOTOS
      WHERE rover_name = ? AND (UPPER(camera_name) = ? OR UPPER(camera_family) = ?) AND sol BETWEEN ? AND ?
        AND is_full${sequence ? ' AND UPPER(sequence_id) = ?' : ''}
      ORDER BY sol, taken_at NULLS LAST, sclk NULLS LAST, LENGTH(CAST(image_id AS VARCHAR)), CAST(image_id AS VARCHAR)`,
    [rover, camera, camera, selection.solStart, selection.solEnd, ...(sequence ? [sequence] : [])],
  );
  const rows = oneEye(raw.map((r) => PhotoRowSchema.parse(lowerKeys(r))), camera, selection.eye ?? 'left');
  if (rows.length > 0) {
    const seen = new Set<string>();
    const frames: FrameCandidate[] = [];
    for (const row of rows) {
      if (seen.has(row.image_id)) continue;
      seen.add(row.image_id);
      frames.push(
        FrameCandidateSchema.parse({
          imageId: row.image_id,
          rover: row.rover_name,
          camera: row.camera_name.toUpperCase(),
          sol: row.sol,
          imgSrc: row.img_src,
          takenAt: row.taken_at ?? null,
          sclk: row.sclk ?? null,
          width: row.width && row.width > 0 ? row.width : null,
          height: row.height && row.height > 0 ? row.height : null,
          sampleType: row.sample_type ?? null,
        }),
      );
    }
    return frames;
  }

  const range =
    (selection.solStart === selection.solEnd ? `sol ${selection.solStart}` : `sols ${selection.solStart}-${selection.solEnd}`) +
    (sequence ? ` (sequence ${sequence})` : '');
  const known = await cameraNames(warehouse, `rover_name = ?`, [rover]);
  const families = await familyNames(warehouse, rover);
  if (known.length > 0 && !known.includes(camera) && !families.includes(camera)) {
    throw new SelectionError(`unknown camera ${camera} for ${rover} (cameras in the warehouse: ${known.join(', ')})`, 'UNKNOWN_CAMERA');
  }
  const inRange = await cameraNames(warehouse, `rover_name = ? AND sol BETWEEN ? AND ?`, [rover, selection.solStart, selection.solEnd]);
  const what = raw.length > 0 ? `${selection.eye ?? 'left'}-eye ${camera}` : camera;
  if (sequence) throw new SelectionError(`no full-size ${what} frames from ${rover} in ${range}`, 'EMPTY_SELECTION');
  throw new SelectionError(
    `no full-size ${what} frames from ${rover} in ${range}` +
      (inRange.length > 0 ? `; cameras with photos there: ${inRange.join(', ')}` : '; the warehouse has no photos of those sols'),
    'EMPTY_SELECTION',
  );
}

type PhotoRow = z.infer<typeof PhotoRowSchema>;

/**
 * A family named: its rows of one eye, where its rows have eyes at all (MAHLI has one lens). An
 * instrument named: its own rows, whatever eye was asked.
 */
function oneEye(rows: PhotoRow[], camera: string, eye: Eye): PhotoRow[] {
  const family = rows.filter((row) => row.camera_family?.toUpperCase() === camera);
  if (family.length === 0) return rows;
  return family.some((row) => row.eye) ? family.filter((row) => row.eye === eye) : family;
}

async function familyNames(warehouse: Warehouse, rover: string): Promise<string[]> {
  const rows = await warehouse.query(`SELECT DISTINCT UPPER(camera_family) AS camera_family FROM MARS_SILVER.FACT_PHOTOS WHERE rover_name = ? AND camera_family IS NOT NULL`, [rover]);
  return rows.map((row) => String(lowerKeys(row).camera_family));
}

async function cameraNames(warehouse: Warehouse, where: string, params: unknown[]): Promise<string[]> {
  const rows = await warehouse.query(`SELECT DISTINCT UPPER(camera_name) AS camera_name FROM MARS_SILVER.FACT_PHOTOS WHERE ${where} ORDER BY 1`, params);
  return rows.map((row) => String(lowerKeys(row).camera_name));
}
