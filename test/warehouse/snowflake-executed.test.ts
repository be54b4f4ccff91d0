import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/platform/logger.ts';
import type { ObjectStore } from '../../src/platform/object-store/object-store.ts';
import { buildWarehouse, type BuildSummary } from '../../src/warehouse/build-warehouse.ts';
import { BRONZE_TABLES, LEDGER_TABLE } from '../../src/warehouse/bronze.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';
import { loadProject, type Model, type Project } from '../../src/warehouse/models/project.ts';
import { renderModel } from '../../src/warehouse/models/render.ts';
import type { Row } from '../../src/warehouse/warehouse.ts';
import { startTestS3 } from '../support/s3.ts';
import { PHOTO_FIXTURES, derivedFeedItems, envelope, fixtureJson, fixturePhotos, putEnvelope } from '../support/envelopes.ts';
import { TranspiledSnowflake } from '../support/transpiled-snowflake.ts';

/**
 * The Snowflake rendering executed: one warehouse is built natively on DuckDB, the other through
 * the program's Snowflake paths (Bronze by bound multi-row INSERT ... PARSE_JSON(?), every model
 * and data test as rendered for Snowflake), each statement transpiled to DuckDB and run. Both
 * read the same raw objects; every Silver and Gold model, the project's whole list, must give
 * the same rows, on the first build and on the incremental builds after it.
 */
/** Each statement is transpiled before it runs: minutes on a busy 2-core machine. */
const SLOW = 600_000;

describe('the Snowflake rendering, transpiled to DuckDB and run, gives the native rows', () => {
  let store: ObjectStore;
  let native: DuckDbWarehouse;
  let snowDuck: DuckDbWarehouse;
  let snow: TranspiledSnowflake;
  let project: Project;
  const closers: Array<() => Promise<void>> = [];
  const built: Array<{ native: BuildSummary; snow: BuildSummary }> = [];

  const buildBoth = async () => {
    const result = {
      native: await buildWarehouse({ warehouse: native, store, logger: silentLogger, project }),
      snow: await buildWarehouse({ warehouse: snow, store, logger: silentLogger, project }),
    };
    built.push(result);
    return result;
  };
  // A sum of doubles depends on the order the engine adds them in, run to run: 12 significant digits are compared.
  const rounded = (value: unknown) => (typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(12)) : value);
  const rows = async (warehouse: DuckDbWarehouse, sql: string): Promise<Row[]> =>
    (await warehouse.query(sql)).map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, rounded(v)])));
  const modelsOf = (...layers: Model['layer'][]) => project.order.filter((m) => layers.includes(m.layer));
  const executed = (sql: string) => snow.statements.some((s) => s.snowflake.includes(sql));

  /** Every Silver and Gold table holds the same rows in both warehouses. */
  const expectSameModels = async () => {
    for (const model of modelsOf('silver', 'gold')) {
      const sql = `SELECT * FROM ${model.relation} ORDER BY ALL`;
      const [expected, actual] = [await rows(native, sql), await rows(snowDuck, sql)];
      expect({ model: model.name, rows: actual }).toEqual({ model: model.name, rows: expected });
    }
  };

  beforeAll(async () => {
    project = await loadProject();
    const s3 = await startTestS3();
    store = s3.store;
    native = await DuckDbWarehouse.open(':memory:');
    snowDuck = await DuckDbWarehouse.open(':memory:');
    snow = await TranspiledSnowflake.over(snowDuck);
    closers.push(() => native.close(), () => snow.close(), s3.close);

    for (const f of PHOTO_FIXTURES) {
      await putEnvelope(store, envelope('photos', f.rover, await fixturePhotos(f.file), { solStart: f.sol, ingestedAt: '2026-01-01T00:00:00.000Z' }));
    }
    // One photo that looks wrong, so the anomaly model has rows: its date is months after its
    // sol, and its image is the one another id already names.
    const [first] = await fixturePhotos('curiosity_sol0.json');
    await putEnvelope(store, envelope('photos', 'curiosity', [{ ...first, id: 99_000_001, earth_date: '2013-01-01' }], { solStart: 0, ingestedAt: '2026-01-01T00:00:01.000Z' }));
    for (const rover of ['curiosity', 'spirit'] as const) {
      const manifest = (await fixtureJson(`manifests/manifest_${rover}.json`)) as { photo_manifest: unknown };
      await putEnvelope(store, envelope('manifests', rover, [manifest.photo_manifest], { ingestedAt: '2026-01-01T00:00:00.000Z' }));
    }
    for (const [rover, file] of [['perseverance', 'M20'], ['curiosity', 'MSL']] as const) {
      for (const layer of ['traverse', 'waypoints'] as const) {
        const geo = (await fixtureJson(`traverse/${file}_${layer}.json`)) as { features: unknown[] };
        await putEnvelope(store, envelope('traverse', rover, geo.features, { variant: layer, ingestedAt: '2026-01-01T00:00:00.000Z' }));
      }
    }
    const { mars2020, msl } = await derivedFeedItems();
    await putEnvelope(store, envelope('feed', 'perseverance', mars2020, { solStart: 670, solEnd: 731, variant: 'mars2020', ingestedAt: '2026-01-01T00:00:00.000Z' }));
    await putEnvelope(store, envelope('feed', 'curiosity', msl, { solStart: 670, solEnd: 731, variant: 'msl', ingestedAt: '2026-01-01T00:00:00.000Z' }));
  }, SLOW);
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('loads the same Bronze rows and ledger through the bound INSERT ... PARSE_JSON(?) path', async () => {
    const { native: a, snow: b } = await buildBoth();
    expect(b.load).toEqual(a.load);
    expect(a.load).toMatchObject({ objects: 14, loaded: 14, rejected: 0 });
    expect(executed('PARSE_JSON(v_record)')).toBe(true);
    // loaded_at is each load's own clock.
    const bronze = 'load_id, object_key, etag, rover, variant, sol_start, sol_end, ingested_at, record_index, record';
    for (const table of Object.values(BRONZE_TABLES)) {
      const sql = `SELECT ${bronze} FROM ${table} ORDER BY ALL`;
      expect(await rows(snowDuck, sql)).toEqual(await rows(native, sql));
    }
    const ledger = `SELECT object_key, etag, load_id, source, table_name, record_count, status, reason FROM ${LEDGER_TABLE} ORDER BY ALL`;
    expect(await rows(snowDuck, ledger)).toEqual(await rows(native, ledger));
  }, SLOW);

  it('runs every Silver and Gold model as rendered for Snowflake and gets the native rows, data tests included', async () => {
    const { native: a, snow: b } = built[0]!;
    for (const model of modelsOf('silver', 'gold')) expect({ model: model.name, ran: executed(renderModel(model, project, 'snowflake')) }).toEqual({ model: model.name, ran: true });
    // Every model has rows to compare.
    for (const model of modelsOf('silver', 'gold')) expect({ model: model.name, empty: (await rows(native, `SELECT 1 FROM ${model.relation} LIMIT 1`)).length === 0 }).toEqual({ model: model.name, empty: false });
    await expectSameModels();
    expect(b.tests.map((t) => [t.name, t.passed, t.failures])).toEqual(a.tests.map((t) => [t.name, t.passed, t.failures]));
    expect(a.ok).toBe(true);
  }, SLOW);

  it('runs each incremental variant and still gets the native rows after re-ingestion, a replayed older object and new data', async () => {
    // The same sol ingested again (newer wins), an older envelope replayed (loses), and a new sol.
    await putEnvelope(store, envelope('photos', 'perseverance', await fixturePhotos('perseverance_sol394.json'), { solStart: 394, ingestedAt: '2026-02-01T00:00:00.000Z' }));
    await putEnvelope(store, envelope('photos', 'perseverance', (await fixturePhotos('perseverance_sol394.json')).slice(0, 5), { solStart: 394, ingestedAt: '2025-12-01T00:00:00.000Z' }));
    const recorded = (await fixtureJson('raw-feeds/msl_raw_image_items_sol1489.json')) as { items: unknown[] };
    await putEnvelope(store, envelope('feed', 'curiosity', recorded.items, { solStart: 1489, variant: 'msl', ingestedAt: '2026-02-01T00:00:00.000Z' }));
    const { native: a, snow: b } = await buildBoth();
    const merged = (s: BuildSummary) => s.models.filter((m) => m.materialized === 'incremental').map((m) => [m.name, m.merged, m.rows]);
    expect(merged(b)).toEqual(merged(a));
    for (const model of project.order.filter((m) => m.materialized === 'incremental')) {
      expect({ model: model.name, ran: executed(renderModel(model, project, 'snowflake', { incremental: true })) }).toEqual({ model: model.name, ran: true });
      expect(a.models.find((m) => m.name === model.name)?.merged).toBeGreaterThan(0);
    }
    await expectSameModels();
  }, SLOW);
});
