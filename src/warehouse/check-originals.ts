import type { Logger } from '../platform/logger.ts';
import type { ObjectStore } from '../platform/object-store/object-store.ts';
import { tableExists } from './models/run-models.ts';
import { toTimestamp } from './timestamps.ts';
import { lowerKeys, type Warehouse } from './warehouse.ts';

export const MISSING_ORIGINALS_TABLE = 'MARS_BRONZE.MISSING_ORIGINALS';
const ASSETS_TABLE = 'MARS_LINEAGE.IMAGE_ASSETS';
const COLUMNS = ['image_id', 'rover_name', 'camera_name', 'sol', 'object_key', 'source_url', 'checked_at'] as const;

export interface OriginalsCheck {
  assets: number;
  missing: number;
}

/**
 * Which downloaded originals are gone from the store. The warehouse cannot look into the
 * store, so this runs as code before each build: one listing of `images/` against
 * IMAGE_ASSETS, its findings replacing MISSING_ORIGINALS, which PHOTO_ANOMALIES reads as the
 * `missing-original` kind. Without the lineage tables (nothing rendered yet) there is nothing to check.
 */
export async function checkOriginals(deps: { warehouse: Warehouse; store: ObjectStore; logger: Logger; now?: () => Date }): Promise<OriginalsCheck> {
  const { warehouse, store } = deps;
  if (!(await tableExists(warehouse, ASSETS_TABLE))) return { assets: 0, missing: 0 };
  const assets = await warehouse.query(`SELECT image_id, rover_name, camera_name, sol, object_key, source_url FROM ${ASSETS_TABLE}`);
  const present = new Set<string>();
  for await (const item of store.list('images/')) present.add(item.key);
  const checkedAt = toTimestamp((deps.now?.() ?? new Date()).toISOString());
  const missing = assets
    .map(lowerKeys)
    .filter((asset) => !present.has(String(asset.object_key)));
  await warehouse.transaction(async (tx) => {
    await tx.exec(`DELETE FROM ${MISSING_ORIGINALS_TABLE}`);
    await tx.insertRows(MISSING_ORIGINALS_TABLE, COLUMNS, missing.map((a) => [a.image_id, a.rover_name, a.camera_name, a.sol, a.object_key, a.source_url, checkedAt]));
  });
  if (missing.length > 0) deps.logger.child({ module: 'check-originals' }).warn({ missing: missing.length, assets: assets.length }, 'originals gone from the store');
  return { assets: assets.length, missing: missing.length };
}
