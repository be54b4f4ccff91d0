import { readFile } from 'node:fs/promises';
import { EmbeddedS3 } from './src/platform/object-store/embedded-s3.ts';
import { ObjectStore } from './src/platform/object-store/object-store.ts';
import { DuckDbWarehouse } from './src/warehouse/duckdb-warehouse.ts';
import { ensureLineageSchema, LineageStore } from './src/warehouse/lineage/lineage-store.ts';
import { originalKey } from './src/media/originals.ts';
import { renderTimelapse } from './src/media/render-timelapse.ts';
import { WorkerFramePool } from './src/media/frame-pool.ts';
import { loadConfig } from './src/platform/config.ts';
import { silentLogger } from './src/platform/logger.ts';
const s3 = new EmbeddedS3({ directory: '/tmp/cw/rs3', bucket: 'mars' }); await s3.start();
const store = new ObjectStore({ endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, bucket: 'mars' });
await store.ensureBucket();
const w = await DuckDbWarehouse.open('/tmp/cw/r.duckdb'); await ensureLineageSchema(w); const lineage = new LineageStore(w);
const candidates = [];
for (let i = 0; i < 300; i++) { const c = { imageId: `B_${i}`, rover: 'Perseverance', camera: 'MCZ_LEFT', sol: 53, imgSrc: `https://mars.nasa.gov/b/${i}.jpg` }; const key = originalKey(c, 'jpg'); const body = await readFile(`/tmp/cw/seq/f${String(i).padStart(4,'0')}.jpg`); await store.putBuffer(key, body, 'image/jpeg'); await lineage.recordImageAsset({ imageId: c.imageId, roverName: 'P', cameraName: 'M', sol: 53, sourceUrl: c.imgSrc, objectKey: key, sha256: 'x', bytes: body.length, contentType: 'image/jpeg', width: 1024, height: 1024, fetchedAt: new Date().toISOString() }); candidates.push(c); }
const pool = new WorkerFramePool();
for (const r of [1, 2]) {
  (globalThis as any).__waitTask = 0; (globalThis as any).__waitTake = 0;
  const t = performance.now();
  await renderTimelapse({ requestId: `r${r}-${Date.now()}`, rover: 'Perseverance', camera: 'MCZ_LEFT', solStart: 53, solEnd: 53, frames: candidates, options: {} }, { store, warehouse: w, config: loadConfig({ LOG_LEVEL: 'silent' }), logger: silentLogger, pool });
  console.log('render', ((performance.now() - t) / 1000).toFixed(2), 'waitTask', ((globalThis as any).__waitTask / 1000).toFixed(2), 'waitTake', ((globalThis as any).__waitTake / 1000).toFixed(2), (await lineage.getRun(`x`)) ?? '');
}
await pool.close(); await w.close(); await s3.close();
