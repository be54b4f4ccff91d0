import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/platform/logger.ts';
import type { ObjectStore } from '../../src/platform/object-store/object-store.ts';
import { buildWarehouse } from '../../src/warehouse/build-warehouse.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';
import { loadPending, loadRawObject } from '../../src/warehouse/loader.ts';
import { loadProject } from '../../src/warehouse/models/project.ts';
import { SnowflakeWarehouse } from '../../src/warehouse/snowflake-warehouse.ts';
import { startTestS3 } from '../support/s3.ts';
import { tempDir } from '../support/temp.ts';
import { envelope, fixtureJson, fixturePhotos, putEnvelope } from '../support/envelopes.ts';
import { rawObjectKey } from '../../src/timelapse/raw-objects.ts';
import { startSnowflakeStub, type StubAnswer, type StubStatement } from '../support/snowflake-stub.ts';

describe('loader', () => {
  let store: ObjectStore;
  let warehouse: DuckDbWarehouse;
  const closers: Array<() => Promise<void>> = [];
  const deps = () => ({ warehouse, store, logger: silentLogger });

  beforeAll(async () => {
    const s3 = await startTestS3();
    store = s3.store;
    const tmp = await tempDir('mars-loader');
    warehouse = await DuckDbWarehouse.open(`${tmp.dir}/w.duckdb`);
    closers.push(() => warehouse.close(), s3.close, tmp.cleanup);
  });
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('loads one Bronze row per record with its key, ETag and ingestion time, once per key and ETag', async () => {
    const photos = await fixturePhotos('opportunity_sol1.json');
    const { key, etag } = await putEnvelope(store, envelope('photos', 'opportunity', photos, { solStart: 1, ingestedAt: '2026-03-04T05:06:07.089Z' }));
    expect(await loadRawObject(deps(), { key, etag })).toEqual({ loaded: true, table: 'MARS_BRONZE.RAW_PHOTO_RESPONSE', rows: 95 });
    expect(await loadRawObject(deps(), { key, etag })).toEqual({ loaded: false, table: 'MARS_BRONZE.RAW_PHOTO_RESPONSE', rows: 0, reason: 'already loaded' });
    const rows = await warehouse.query(
      'SELECT object_key, etag, rover, sol_start, sol_end, ingested_at, record_index, record FROM MARS_BRONZE.RAW_PHOTO_RESPONSE WHERE object_key = ? ORDER BY record_index',
      [key],
    );
    expect(rows).toHaveLength(95);
    expect(rows[94]).toEqual({ object_key: key, etag, rover: 'opportunity', sol_start: 1, sol_end: 1, ingested_at: '2026-03-04 05:06:07.089', record_index: 94, record: JSON.stringify(photos[94]) });
  });

  it('takes both traverse layers, tolerating the Curiosity layer that has only Length', async () => {
    for (const [rover, file] of [['perseverance', 'M20'], ['curiosity', 'MSL']] as const) {
      for (const layer of ['traverse', 'waypoints'] as const) {
        const geo = (await fixtureJson(`traverse/${file}_${layer}.json`)) as { features: unknown[] };
        await putEnvelope(store, envelope('traverse', rover, geo.features, { variant: layer }));
      }
    }
    const summary = await buildWarehouse(deps());
    expect(summary.load).toMatchObject({ loaded: 4, rows: 522 + 1 + 1273 + 1, rejected: 0 });
    expect(summary.tests.filter((t) => !t.passed)).toEqual([]);
    expect(await warehouse.query('SELECT rover_name, layer, COUNT(*) AS n, COUNT(sol) AS with_sol, MIN(sol) AS first_sol, MAX(sol) AS last_sol FROM MARS_SILVER.FLAT_COORDINATE_RESPONSE GROUP BY ALL ORDER BY ALL')).toEqual([
      { rover_name: 'curiosity', layer: 'traverse', n: 1273, with_sol: 0, first_sol: null, last_sol: null },
      { rover_name: 'curiosity', layer: 'waypoints', n: 1, with_sol: 1, first_sol: 4868, last_sol: 4868 },
      { rover_name: 'perseverance', layer: 'traverse', n: 522, with_sol: 522, first_sol: 14, last_sol: 1840 },
      { rover_name: 'perseverance', layer: 'waypoints', n: 1, with_sol: 1, first_sol: 1840, last_sol: 1840 },
    ]);
    expect(await warehouse.query("SELECT rover_name, start_lon, start_lat, dist_total_m FROM MARS_SILVER.FLAT_COORDINATE_RESPONSE WHERE layer = 'waypoints' ORDER BY rover_name")).toEqual([
      { rover_name: 'curiosity', start_lon: 137.3817063, start_lat: -4.8142672, dist_total_m: 37170.64 },
      { rover_name: 'perseverance', start_lon: 77.22014945, start_lat: 18.43252254, dist_total_m: 41737.781 },
    ]);
    const [path] = await warehouse.query("SELECT COUNT(*) AS segments, MIN(start_lon) IS NOT NULL AS has_start FROM MARS_SILVER.FACT_PATH WHERE rover_name = 'curiosity'");
    expect(path).toEqual({ segments: 1273, has_start: true });
    const [last] = await warehouse.query("SELECT segment_index, sol, length_m, from_rmc FROM MARS_SILVER.FACT_PATH WHERE rover_name = 'perseverance' ORDER BY segment_index LIMIT 1");
    expect(last).toEqual({ segment_index: 0, sol: 14, length_m: 6.25, from_rmc: '3_0' });
  });

  it('records a bad object with the reason instead of skipping it, and ignores keys that are not raw objects', async () => {
    const notJson = await store.putBuffer('raw/photos/spirit/sol-5-5/20260101T000000000Z.json', Buffer.from('<html>502 Bad Gateway</html>'));
    const wrongRover = await store.putJson('raw/photos/spirit/sol-6-6/20260101T000000000Z.json', envelope('photos', 'curiosity', [], { solStart: 6 }));
    const badEnvelope = await store.putJson('raw/manifests/spirit/20260101T000000000Z.json', { source: 'manifests', rover: 'spirit', records: 'nope' });
    await store.putJson('raw/quarantine/photos/spirit/20260101T000000000Z.json', { items: [] });
    const summary = await loadPending(deps());
    expect(summary).toMatchObject({ loaded: 0, rejected: 3, rows: 0 });
    expect(Object.fromEntries(summary.rejections.map((r) => [r.key, r.reason]))).toEqual({
      'raw/manifests/spirit/20260101T000000000Z.json':
        'invalid envelope: solStart: Invalid input: expected number, received undefined; solEnd: Invalid input: expected number, received undefined; variant: Invalid input: expected string, received undefined; ingestedAt: Invalid input: expected string, received undefined; requests: Invalid input: expected array, received undefined; records: Invalid input: expected array, received string',
      'raw/photos/spirit/sol-5-5/20260101T000000000Z.json': expect.stringMatching(/^not JSON: Unexpected token '<'/),
      'raw/photos/spirit/sol-6-6/20260101T000000000Z.json': 'envelope rover curiosity does not match its key',
    });
    expect(await warehouse.query("SELECT object_key, etag, status, record_count FROM MARS_BRONZE.LOADED_OBJECTS WHERE status = 'rejected' ORDER BY object_key")).toEqual([
      { object_key: 'raw/manifests/spirit/20260101T000000000Z.json', etag: badEnvelope.etag, status: 'rejected', record_count: 0 },
      { object_key: 'raw/photos/spirit/sol-5-5/20260101T000000000Z.json', etag: notJson.etag, status: 'rejected', record_count: 0 },
      { object_key: 'raw/photos/spirit/sol-6-6/20260101T000000000Z.json', etag: wrongRover.etag, status: 'rejected', record_count: 0 },
    ]);
    expect(await loadRawObject(deps(), { key: 'raw/photos/spirit/sol-5-5/20260101T000000000Z.json', etag: notJson.etag })).toMatchObject({ loaded: false, reason: expect.stringMatching(/^already refused: not JSON/) });
    expect(await loadRawObject(deps(), { key: 'raw/quarantine/photos/spirit/20260101T000000000Z.json', etag: 'x' })).toEqual({ loaded: false, table: null, rows: 0, reason: 'not a raw object key' });
    expect(await loadRawObject(deps(), { key: 'tmp/abc/20260101T000000000Z.json', etag: 'x' })).toEqual({ loaded: false, table: null, rows: 0, reason: 'not a raw object key' });
    expect((await loadPending(deps())).rejected).toBe(0);
  });

  it('takes an envelope whose header follows its records as one whose header comes first, and refuses a bad header after the records', async () => {
    const photos = await fixturePhotos('spirit_sol1.json');
    const first = envelope('photos', 'spirit', photos, { solStart: 2, ingestedAt: '2026-02-03T04:05:06.007Z' });
    const { records, ...header } = first;
    const last = { ...first, solStart: 3, solEnd: 3 };
    const lastKey = rawObjectKey(last);
    await store.putBuffer(lastKey, Buffer.from(JSON.stringify({ records, ...header, solStart: 3, solEnd: 3 })));
    const badKey = 'raw/photos/spirit/sol-4-4/20260203T040506007Z.json';
    await store.putBuffer(badKey, Buffer.from(JSON.stringify({ records, ...header, solStart: 4, solEnd: 4, rover: 'mars' })));
    const { key: firstKey } = await putEnvelope(store, first);
    const summary = await loadPending(deps());
    expect(summary).toMatchObject({ loaded: 2, rejected: 1, rows: 2 * 77 });
    expect(summary.rejections).toEqual([{ key: badKey, reason: 'invalid envelope: rover: expected one of curiosity, perseverance, opportunity, spirit' }]);
    const rows = await warehouse.query(
      'SELECT object_key, rover, sol_start, sol_end, ingested_at, COUNT(*) AS n, MAX(record_index) AS last_index FROM MARS_BRONZE.RAW_PHOTO_RESPONSE WHERE object_key IN (?, ?) GROUP BY ALL ORDER BY sol_start',
      [firstKey, lastKey],
    );
    expect(rows).toEqual([
      { object_key: firstKey, rover: 'spirit', sol_start: 2, sol_end: 2, ingested_at: '2026-02-03 04:05:06.007', n: 77, last_index: 76 },
      { object_key: lastKey, rover: 'spirit', sol_start: 3, sol_end: 3, ingested_at: '2026-02-03 04:05:06.007', n: 77, last_index: 76 },
    ]);
  });

  it('refuses an envelope with a repeated key, which JSON.parse takes and DuckDB does not, instead of failing every load', async () => {
    const photos = await fixturePhotos('spirit_sol1.json');
    const value = envelope('photos', 'spirit', photos.slice(0, 2), { solStart: 7, ingestedAt: '2026-02-03T04:05:06.007Z' });
    const key = rawObjectKey(value);
    await store.putBuffer(key, Buffer.from(`${JSON.stringify(value).slice(0, -1)},"rover":"spirit"}`));
    const summary = await loadPending(deps());
    expect(summary).toMatchObject({ loaded: 0, rejected: 1 });
    expect(summary.rejections).toEqual([{ key, reason: expect.stringMatching(/^invalid envelope: .*duplicate key "rover"/) }]);
    expect(summary.rejections[0]!.reason).not.toContain('mars-warehouse-staging');
  });

  it('loads concurrent calls for the same object once', async () => {
    const { key, etag } = await putEnvelope(store, envelope('photos', 'spirit', await fixturePhotos('spirit_sol1.json'), { solStart: 1 }));
    const results = await Promise.all([1, 2, 3].map(() => loadRawObject(deps(), { key, etag })));
    expect(results.map((r) => r.loaded).sort()).toEqual([false, false, true]);
    expect(await warehouse.query('SELECT COUNT(*) AS n FROM MARS_BRONZE.RAW_PHOTO_RESPONSE WHERE object_key = ?', [key])).toEqual([{ n: 77 }]);
  });

  it('loads Bronze on Snowflake with multi-row INSERTs of bound values and PARSE_JSON, ledger in the same transaction', async () => {
    const answer = (s: StubStatement): StubAnswer => {
      if (s.sqlText.startsWith('SELECT status, reason')) return { columns: [{ name: 'STATUS', type: 'text' }, { name: 'REASON', type: 'text' }], rows: [] };
      if (s.sqlText.startsWith('SELECT COALESCE(MAX(load_id)')) return { columns: [{ name: 'NEXT_ID', type: 'fixed' }], rows: [['42']] };
      return { columns: [{ name: 'status', type: 'text' }], rows: [['Statement executed successfully.']] };
    };
    const stub = await startSnowflakeStub({ password: 'pw', answer });
    const snow = await SnowflakeWarehouse.connect({ kind: 'snowflake', account: 'a', username: 'u', password: 'pw', database: 'MARS_DB', accessUrl: stub.url });
    try {
      const photos = await fixturePhotos('spirit_sol1.json');
      const { key, etag } = await putEnvelope(store, envelope('photos', 'spirit', photos, { solStart: 1, ingestedAt: '2026-05-06T07:08:09.000Z' }));
      expect(await loadRawObject({ warehouse: snow, store, logger: silentLogger }, { key, etag })).toEqual({ loaded: true, table: 'MARS_BRONZE.RAW_PHOTO_RESPONSE', rows: 77 });
      const bronzeModels = (await loadProject()).order.filter((m) => m.layer === 'bronze');
      expect(stub.statements.filter((s) => s.sqlText.includes('CREATE TABLE IF NOT EXISTS MARS_BRONZE.'))).toHaveLength(bronzeModels.length);
      const sqls = stub.statements.map((s) => s.sqlText.replace(/\s+/g, ' ').slice(0, 60));
      const begin = sqls.indexOf('BEGIN TRANSACTION');
      expect(sqls.slice(begin)).toEqual([
        'BEGIN TRANSACTION',
        'SELECT COALESCE(MAX(load_id), 0) + 1 AS next_id FROM MARS_BR',
        'INSERT INTO MARS_BRONZE.RAW_PHOTO_RESPONSE (load_id, object_',
        'INSERT INTO MARS_BRONZE.LOADED_OBJECTS (object_key, etag, lo',
        'COMMIT',
      ]);
      const insert = stub.statements[stub.statements.findIndex((s) => s.sqlText.startsWith('INSERT INTO MARS_BRONZE.RAW_PHOTO_RESPONSE'))]!;
      expect(insert.sqlText).toContain('PARSE_JSON(v_record)');
      expect(insert.bindings).toHaveLength(77 * 11);
      expect(insert.bindings.slice(0, 11).map((b) => b.value)).toEqual(['42', key, etag, 'spirit', null, '1', '1', '2026-05-06 07:08:09.000', expect.any(String), '0', JSON.stringify(photos[0])]);
    } finally {
      await snow.close();
      await stub.close();
    }
  });
});
