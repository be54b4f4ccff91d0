import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/platform/config.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';
import { planNextBatches } from '../../src/workers/models/plan-next-batches.ts';
import { isObjectCreated, MinioEventSchema, recordKey, toMinioEvent } from '../../src/timelapse/minio-event.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { ingestJobKey } from '../../src/workers/ingest/ingest-job.ts';
import { CoalescingRunner } from '../../src/workers/models/coalescing-runner.ts';
import { ROLES } from '../../src/workers/roles.ts';
import { selectRoles } from '../../src/workers/service.ts';

describe('MinIO event format', () => {
  const record = {
    eventName: 'ObjectCreated:Put',
    eventTime: '2026-11-27T14:23:35.712Z',
    s3: { bucket: { name: 'mars' }, object: { key: 'raw/photos/curiosity/sol 1+2.json', size: 7, eTag: 'bb6c', sequencer: '1A2' } },
  };

  it('turns an s3rver record into the value MinIO publishes', () => {
    const event = toMinioEvent(record);
    expect(MinioEventSchema.parse(event)).toEqual(event);
    expect(event).toEqual({
      EventName: 's3:ObjectCreated:Put',
      Key: 'mars/raw/photos/curiosity/sol 1+2.json',
      Records: [
        {
          eventName: 's3:ObjectCreated:Put',
          eventTime: '2026-11-27T14:23:35.712Z',
          s3: { bucket: { name: 'mars' }, object: { key: 'raw%2Fphotos%2Fcuriosity%2Fsol+1%2B2.json', size: 7, eTag: 'bb6c', sequencer: '1A2' } },
        },
      ],
    });
  });

  it('reads keys back as stored and tells creations from removals', () => {
    const [minio] = toMinioEvent(record).Records;
    expect(recordKey(minio!)).toBe('raw/photos/curiosity/sol 1+2.json');
    expect(isObjectCreated(minio!)).toBe(true);
    expect(isObjectCreated({ ...minio!, eventName: 's3:ObjectRemoved:Delete' })).toBe(false);
  });

  it('refuses a record whose key does not decode, naming where', () => {
    const event = toMinioEvent(record);
    const bad = { ...event, Records: [{ ...event.Records[0]!, s3: { ...event.Records[0]!.s3, object: { key: 'raw%2Fphotos%ZZ.json' } } }] };
    const parsed = MinioEventSchema.safeParse(bad);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['Records.0.s3.object.key', 'expected a URL-encoded object key, as MinIO sends it'],
    ]);
  });
});

describe('CoalescingRunner', () => {
  it('runs once for a burst, and once more for requests made during a run', async () => {
    let runs = 0;
    let release!: () => void;
    let gate = Promise.resolve();
    const runner = new CoalescingRunner({
      name: 'test',
      delayMs: 10,
      logger: silentLogger,
      run: async () => {
        runs++;
        await gate;
      },
    });
    for (let i = 0; i < 100; i++) runner.request();
    await runner.idle();
    expect(runs).toBe(1);

    gate = new Promise((resolve) => (release = resolve));
    runner.request();
    while (!runner.describe().running) await sleep(5);
    for (let i = 0; i < 50; i++) runner.request();
    release();
    await runner.idle();
    expect(runs).toBe(3);
    expect(runner.describe()).toMatchObject({ requests: 151, runs: 3, failures: 0 });
    await runner.close();
    runner.request();
    expect(runner.describe()).toMatchObject({ requests: 151, scheduled: false });
  });

  it('tries a failing run again a bounded number of times', async () => {
    let runs = 0;
    const runner = new CoalescingRunner({
      name: 'test',
      delayMs: 1,
      logger: silentLogger,
      run: async () => {
        runs++;
        throw new Error('warehouse busy');
      },
    });
    runner.request();
    await runner.idle();
    expect(runs).toBe(3);
    expect(runner.describe()).toMatchObject({ failures: 3 });
    await runner.close();
  });
});

describe('roles and job keys', () => {
  it('selects roles by name in registry order and names unknown ones', () => {
    expect(selectRoles(ROLES, ['ingest', 'loader']).map((r) => r.name)).toEqual(['loader', 'ingest']);
    expect(selectRoles(ROLES).map((r) => r.name)).toEqual([
      's3-events',
      'loader',
      'models',
      'ops',
      'scheduler',
      'ingest',
      'timelapse-commands',
      'timelapse-render',
      'query-api',
      'gallery',
    ]);
    expect(() => selectRoles(ROLES, ['loader', 'render'])).toThrow(
      'Expected roles among s3-events, loader, models, ops, scheduler, ingest, timelapse-commands, timelapse-render, query-api, gallery but received render',
    );
  });

  it('keys a command by requestId when given, else by what it asks', () => {
    const a = ingestJobKey({ source: 'photos', rover: 'curiosity', solStart: 3, solEnd: 3 });
    expect(ingestJobKey({ source: 'photos', rover: 'curiosity', solStart: 3 })).toBe(a);
    expect(ingestJobKey({ source: 'photos', rover: 'curiosity', solStart: 3, solEnd: 3, force: true })).not.toBe(a);
    expect(ingestJobKey({ source: 'photos', rover: 'curiosity', solStart: 3, solEnd: 3, requestId: 'r1' })).toBe(
      ingestJobKey({ source: 'feed', rover: 'spirit', solStart: 9, requestId: 'r1' }),
    );
  });
});

describe('planning the next batches after a model run', () => {
  it('keeps gaps near each rover\'s newest sol, bounded, and nothing for rovers without photos', async () => {
    const warehouse = await DuckDbWarehouse.open(':memory:');
    try {
      await warehouse.exec(`
        CREATE SCHEMA MARS_GOLD; CREATE SCHEMA MARS_SILVER;
        CREATE TABLE MARS_GOLD.INGESTION_PLANNING (rover_name VARCHAR, sol_start INTEGER, sol_end INTEGER, missing_photos INTEGER, reason VARCHAR);
        CREATE TABLE MARS_SILVER.FLAT_PHOTO_RESPONSE (rover_name VARCHAR, sol INTEGER);
        INSERT INTO MARS_SILVER.FLAT_PHOTO_RESPONSE VALUES ('curiosity', 0), ('curiosity', 100);
        INSERT INTO MARS_GOLD.INGESTION_PLANNING VALUES
          ('spirit', 1, 5, 1000, 'not ingested'),
          ('curiosity', 10, 40, 500, 'not ingested'),
          ('curiosity', 101, 125, 300, 'not ingested'),
          ('curiosity', 95, 97, 30, 'partly ingested');
      `);
      // Routing as with a classic API mirror configured: every rover's gaps are planned.
      const sourceFor = () => 'photos' as const;
      const sols = (requests: Array<{ rover: string; solStart?: number; solEnd?: number }>) => requests.map((r) => `${r.rover} ${r.solStart}-${r.solEnd}`);
      expect(sols(await planNextBatches(warehouse, { windowSols: 10, maxBatches: 3, sourceFor }))).toEqual(['curiosity 101-110', 'curiosity 111-120', 'curiosity 121-125']);
      expect(sols(await planNextBatches(warehouse, { windowSols: 10, maxBatches: 10, sourceFor }))).toEqual([
        'curiosity 101-110',
        'curiosity 111-120',
        'curiosity 121-125',
        'curiosity 95-97',
      ]);
      expect(sols(await planNextBatches(warehouse, { windowSols: 1000, maxBatches: 2, sourceFor }))).toEqual(['curiosity 10-19', 'curiosity 20-29']);
      expect(await planNextBatches(warehouse, { windowSols: 0, maxBatches: 10, sourceFor })).toEqual([]);
    } finally {
      await warehouse.close();
    }
  });
});

describe('backbone configuration', () => {
  it('reads per-source ingest concurrency over the defaults, and names a bad value', () => {
    expect(loadConfig({ INGEST_CONCURRENCY: 'photos=3, traverse=2' }).queues.ingestConcurrency).toEqual({ photos: 3, feed: 2, manifests: 1, traverse: 2 });
    expect(() => loadConfig({ INGEST_CONCURRENCY: 'photos=x' })).toThrow(
      'INGEST_CONCURRENCY: expected source=N pairs such as photos=2,feed=2,manifests=1,traverse=1, but received "photos=x"',
    );
  });
});
