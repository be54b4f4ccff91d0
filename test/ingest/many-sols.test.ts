import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startReplayServer, type ReplayServer } from '../../src/ingest/replay/replay-server.ts';
import { runIngest } from '../../src/ingest/run-ingest.ts';
import { SolIndex } from '../../src/ingest/sol-index.ts';
import type { IngestRequest } from '../../src/timelapse/ingest-request.ts';
import { RawEnvelopeSchema, rawObjectKey } from '../../src/timelapse/raw-objects.ts';
import { buildWarehouse } from '../../src/warehouse/build-warehouse.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';
import { seedObjects, startTestS3 } from '../support/s3.ts';
import { tempDir } from '../support/temp.ts';
import { allRecordings, configFor, ingestLogger, testHttpClient } from '../support/ingest.ts';

let s3: Awaited<ReturnType<typeof startTestS3>>;
let replay: ReplayServer;
let temp: Awaited<ReturnType<typeof tempDir>>;
let warehouse: DuckDbWarehouse;

beforeAll(async () => {
  s3 = await startTestS3();
  replay = await startReplayServer({ dir: allRecordings });
  temp = await tempDir('mars-many-sols');
  warehouse = await DuckDbWarehouse.open(path.join(temp.dir, 'w.duckdb'));
});
afterAll(async () => {
  await warehouse.close();
  await replay.close();
  await s3.close();
  await temp.cleanup();
});

it('after 1,200 one-sol ingestion commands for one rover, a sol with real photos still reaches Silver and the models keep building', async () => {
  const { http } = testHttpClient({ baseDelayMs: 1 });
  const ingest = (request: IngestRequest) => runIngest(request, { config: configFor(replay.url), store: s3.store, http, logger: ingestLogger });

  // What 1,200 one-sol commands leave (sols without photos: one raw object each, and the sols in
  // the index), written straight into s3rver's folder: the API puts take minutes on a busy machine.
  // Everything after this reads them through the S3 API, as the loader and ingestion do.
  const sols = Array.from({ length: 1200 }, (_, i) => i + 1);
  const envelopes = sols.map((sol) =>
    RawEnvelopeSchema.parse({ source: 'photos', rover: 'curiosity', solStart: sol, solEnd: sol, variant: null, ingestedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, sol)).toISOString(), requests: [`${replay.url}/rovers/curiosity/photos?sol=${sol}`], records: [] }),
  );
  await seedObjects(s3.dir, s3.store.bucket, envelopes.map((envelope) => [rawObjectKey(envelope), Buffer.from(JSON.stringify(envelope))]));
  const index = new SolIndex(s3.store);
  for (let start = 0; start < envelopes.length; start += 100) {
    await Promise.all(envelopes.slice(start, start + 100).map((envelope) => index.record('photos', 'curiosity', [envelope.solStart!], rawObjectKey(envelope))));
  }
  let listed = 0;
  for await (const object of s3.store.list('raw/photos/curiosity/')) listed += object.key.endsWith('.json') ? 1 : 0;
  expect(listed).toBe(1200);
  expect(await new SolIndex(s3.store).highest('photos', 'curiosity')).toBe(1200);

  // The 1,201st: a sol with real photos, then a build over everything.
  expect((await ingest({ source: 'photos', rover: 'curiosity', solStart: 0, solEnd: 0 })).records).toBe(3702);
  const first = await buildWarehouse({ warehouse, store: s3.store, logger: ingestLogger });
  expect(first).toMatchObject({ ok: true, load: { objects: 1201, loaded: 1201, rejected: 0 } });
  expect(
    await warehouse.query(
      `SELECT camera_name, COUNT(*) AS n FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE rover_name = 'curiosity' AND sol = 0 GROUP BY camera_name ORDER BY camera_name`,
    ),
  ).toEqual([
    { camera_name: 'CHEMCAM', n: 2 },
    { camera_name: 'FHAZ', n: 8 },
    { camera_name: 'MARDI', n: 3684 },
    { camera_name: 'RHAZ', n: 8 },
  ]);

  // And on: an already-ingested sol is skipped without listing the raw prefix; a new one loads and builds.
  expect((await ingest({ source: 'photos', rover: 'curiosity', solStart: 5, solEnd: 5 })).skippedSols).toEqual([5]);
  await ingest({ source: 'photos', rover: 'curiosity', solStart: 1201, solEnd: 1201 });
  const second = await buildWarehouse({ warehouse, store: s3.store, logger: ingestLogger });
  expect(second).toMatchObject({ ok: true, load: { objects: 1202, loaded: 1, skipped: 1201 } });
}, 600_000);
