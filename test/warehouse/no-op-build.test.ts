import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/platform/logger.ts';
import type { ObjectStore } from '../../src/platform/object-store/object-store.ts';
import { buildWarehouse } from '../../src/warehouse/build-warehouse.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { startTestS3 } from '../support/s3.ts';
import { envelope, fixturePhotos, putEnvelope } from '../support/envelopes.ts';

/** Every statement a warehouse is sent, transactions included. */
function recording(inner: Warehouse, sent: string[]): Warehouse {
  return {
    dialect: inner.dialect,
    exec: (sql, params) => (sent.push(sql), inner.exec(sql, params)),
    query: (sql, params) => (sent.push(sql), inner.query(sql, params)),
    insertRows: (table, columns, rows) => (sent.push(`INSERT INTO ${table}`), inner.insertRows(table, columns, rows)),
    transaction: (fn) => inner.transaction((tx) => fn(recording(tx, sent))),
    close: () => inner.close(),
  };
}

describe('a build with nothing new', () => {
  let store: ObjectStore;
  let duckdb: DuckDbWarehouse;
  let warehouse: Warehouse;
  const sent: string[] = [];
  const closers: Array<() => Promise<void>> = [];
  const build = () => buildWarehouse({ warehouse, store, logger: silentLogger });

  beforeAll(async () => {
    const s3 = await startTestS3();
    store = s3.store;
    duckdb = await DuckDbWarehouse.open(':memory:');
    warehouse = recording(duckdb, sent);
    closers.push(() => duckdb.close(), s3.close);
    await putEnvelope(store, envelope('photos', 'spirit', await fixturePhotos('spirit_sol1.json'), { solStart: 1, ingestedAt: '2026-01-01T00:00:00.000Z' }));
  });
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('answers from the ledger: no model rebuilt, no data test run, the last results reported', async () => {
    const first = await build();
    expect(first).toMatchObject({ unchanged: false, ok: true });
    expect(first.tests.length).toBeGreaterThan(0);

    sent.length = 0;
    const again = await build();
    expect(again.unchanged).toBe(true);
    expect(again.load).toMatchObject({ loaded: 0, skipped: 1, rows: 0 });
    expect(again.models.map((m) => [m.name, m.rows, m.merged])).toEqual(
      first.models.map((m) => [m.name, m.rows, m.materialized === 'incremental' ? 0 : undefined]),
    );
    expect(again.tests.map((t) => [t.name, t.status, t.failures])).toEqual(first.tests.map((t) => [t.name, t.status, t.failures]));
    // Only the ledger and the build record are read; nothing is written but the originals check.
    const models = sent.filter((sql) => /MARS_(SILVER|GOLD)\./.test(sql));
    expect(models).toEqual([]);
  });

  it('builds again once a new object is loaded', async () => {
    await putEnvelope(store, envelope('photos', 'spirit', (await fixturePhotos('spirit_sol1.json')).slice(0, 3), { solStart: 1, ingestedAt: '2026-02-01T00:00:00.000Z' }));
    const next = await build();
    expect(next.unchanged).toBe(false);
    expect(next.load).toMatchObject({ loaded: 1, rows: 3 });
    expect(next.models.find((m) => m.name === 'FLAT_PHOTO_RESPONSE')).toMatchObject({ merged: 3, rows: 77 });
    expect((await build()).unchanged).toBe(true);
  });
});
