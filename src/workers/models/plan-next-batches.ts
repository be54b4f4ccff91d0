import type { IngestRequest } from '../../timelapse/ingest-request.ts';
import { planBackfill, type BackfillOptions } from '../../ingest/planner.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';

export interface PlanWindow {
  /** Only gaps ending within this many sols of a rover's newest ingested sol; 0: plan nothing. */
  windowSols: number;
  /** At most this many requests. */
  maxBatches: number;
  /** Sols per request. Default 10, as `mars ingest`. */
  batchSize?: number;
  /** The source that serves a rover's photos first; rovers without one are not planned. */
  sourceFor: BackfillOptions['sourceFor'];
}

/**
 * The next ingestion batches after a model run: gaps the warehouse found near each rover's
 * newest ingested sol. Deeper backfills are left to an explicit `mars ingest` (or a larger
 * PLANNER_WINDOW_SOLS), so the service never starts pulling a whole mission on its own.
 */
export async function planNextBatches(warehouse: Warehouse, window: PlanWindow): Promise<IngestRequest[]> {
  if (window.windowSols === 0 || window.maxBatches === 0) return [];
  const newest = new Map(
    (
      await warehouse.query<{ rover: string; newest: number }>(
        `SELECT lower(rover_name) AS "rover", MAX(sol) AS "newest" FROM MARS_SILVER.FLAT_PHOTO_RESPONSE GROUP BY lower(rover_name)`,
      )
    ).map((row) => [row.rover, Number(row.newest)]),
  );
  // Ask for more than we keep: the biggest (often oldest) gaps come first and may all lie outside the window.
  const candidates = await planBackfill(warehouse, { maxBatches: window.maxBatches * 20, batchSize: window.batchSize ?? 10, sourceFor: window.sourceFor });
  return candidates
    .filter((request) => {
      const top = newest.get(request.rover);
      return top !== undefined && (request.solEnd ?? request.solStart ?? 0) >= top - window.windowSols;
    })
    .slice(0, window.maxBatches);
}
