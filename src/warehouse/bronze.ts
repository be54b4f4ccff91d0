import type { Source } from '../timelapse/raw-objects.ts';
import { loadProject, type Project } from './models/project.ts';
import { runModel, ensureSchemas } from './models/run-models.ts';
import type { Warehouse } from './warehouse.ts';

/** Where each raw source lands in Bronze. */
export const BRONZE_TABLES: Record<Source, string> = {
  photos: 'MARS_BRONZE.RAW_PHOTO_RESPONSE',
  manifests: 'MARS_BRONZE.RAW_MANIFEST_RESPONSE',
  traverse: 'MARS_BRONZE.RAW_COORDINATE_RESPONSE',
  feed: 'MARS_BRONZE.RAW_IMAGE_FEED_RESPONSE',
};

export const LEDGER_TABLE = 'MARS_BRONZE.LOADED_OBJECTS';

/** Bronze columns in table order, as the loader fills them. */
export const BRONZE_COLUMNS = [
  'load_id',
  'object_key',
  'etag',
  'rover',
  'variant',
  'sol_start',
  'sol_end',
  'ingested_at',
  'loaded_at',
  'record_index',
  'record',
] as const;

const ready = new WeakMap<Warehouse, Promise<void>>();

/** Creates the schemas and Bronze tables once per warehouse connection (they are IF NOT EXISTS). */
export function ensureBronzeSchema(warehouse: Warehouse, project?: Project): Promise<void> {
  let promise = ready.get(warehouse);
  if (!promise) {
    promise = (async () => {
      const p = project ?? (await loadProject());
      await ensureSchemas(warehouse);
      for (const model of p.order.filter((m) => m.layer === 'bronze')) await runModel(warehouse, p, model);
    })();
    ready.set(warehouse, promise);
    promise.catch(() => ready.delete(warehouse));
  }
  return promise;
}
