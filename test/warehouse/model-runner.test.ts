import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/platform/logger.ts';
import { runDataTests } from '../../src/warehouse/data-tests/run-data-tests.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';
import { loadProject } from '../../src/warehouse/models/project.ts';
import { renderModel } from '../../src/warehouse/models/render.ts';
import { runModels } from '../../src/warehouse/models/run-models.ts';
import { tempDir } from '../support/temp.ts';

describe('model runner on a small project of its own', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const write = async (file: string, text: string) => {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  };
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('mars-models'));
  });
  afterEach(async () => cleanup());

  it('orders models by their refs, whatever their names', async () => {
    await write('bronze/A_SRC.sql', "{{ config(materialized='ddl') }}\nCREATE TABLE IF NOT EXISTS {{ this }} (id INTEGER, record {{ json_type() }})");
    await write('silver/A_LAST.sql', "{{ config(materialized='table') }}\nSELECT * FROM {{ ref('Z_FIRST') }}");
    await write('silver/Z_FIRST.sql', "{{ config(materialized='table') }}\nSELECT id FROM {{ source('A_SRC') }}");
    await write('lineage/00_schema.sql', 'CREATE SCHEMA IF NOT EXISTS MARS_LINEAGE;');
    const project = await loadProject(dir);
    expect(project.order.map((m) => m.relation)).toEqual(['MARS_BRONZE.A_SRC', 'MARS_SILVER.Z_FIRST', 'MARS_SILVER.A_LAST']);
    expect(renderModel(project.models.get('A_SRC')!, project, 'snowflake')).toBe('CREATE TABLE IF NOT EXISTS MARS_BRONZE.A_SRC (id INTEGER, record VARIANT)\n');
  });

  it('refuses cycles, unknown refs, bad configs and wrong macro arguments with messages that say where', async () => {
    await write('silver/A.sql', "{{ config(materialized='table') }}\nSELECT * FROM {{ ref('B') }}");
    await write('silver/B.sql', "{{ config(materialized='table') }}\nSELECT * FROM {{ ref('A') }}");
    await expect(loadProject(dir)).rejects.toThrow('models depend on each other in a cycle: A -> B -> A');
    await write('silver/B.sql', "{{ config(materialized='table') }}\nSELECT * FROM {{ ref('NOPE') }}");
    await expect(loadProject(dir)).rejects.toThrow('B refers to unknown model NOPE');
    await write('silver/B.sql', "{{ config(materialized='incremental') }}\nSELECT 1 AS x");
    await expect(loadProject(dir)).rejects.toThrow(/B\.sql: bad config: incremental models need unique_key and updated_at/);
    await write('silver/B.sql', "{{ config(materialized='table') }}\nSELECT {{ json_str('x') }} AS y");
    const project = await loadProject(dir);
    expect(() => renderModel(project.models.get('B')!, project, 'duckdb')).toThrow('Expected 2 argument(s) for macro json_str but received 1: ["x"]');
  });

  it('reads json_fields aliases from one parse on DuckDB and from the VARIANT on Snowflake, refusing paths it does not parse', async () => {
    await write('bronze/A_SRC.sql', "{{ config(materialized='ddl') }}\nCREATE TABLE IF NOT EXISTS {{ this }} (id INTEGER, record {{ json_type() }})");
    const model = (select: string) => `{{ config(materialized='table') }}\nSELECT ${select} FROM (SELECT {{ json_fields('s.record', 'f', 'a.b', 'c') }} FROM {{ source('A_SRC') }} s) p`;
    await write('silver/B.sql', model("{{ json_int('p.f', 'a.b') }} AS ab, {{ json_str('p.f', 'c') }} AS c"));
    let project = await loadProject(dir);
    const b = project.models.get('B')!;
    expect(renderModel(b, project, 'duckdb')).toContain(`TRY_CAST(p.f."a"."b" AS BIGINT) AS ab, p.f."c" AS c FROM (SELECT json_transform(s.record, '{"a":{"b":"VARCHAR"},"c":"VARCHAR"}') AS f`);
    expect(renderModel(b, project, 'snowflake')).toContain('TRY_TO_NUMBER(TO_VARCHAR(p.f:a.b)) AS ab, p.f:c::VARCHAR AS c FROM (SELECT s.record AS f');
    const warehouse = await DuckDbWarehouse.open(':memory:');
    try {
      await runModels({ warehouse, project, logger: silentLogger });
      await warehouse.exec(`INSERT INTO MARS_BRONZE.A_SRC VALUES (1, '{"a":{"b":7},"c":"x"}'), (2, '{"a":"flat","c":{"d":1}}'), (3, '[1]')`);
      await runModels({ warehouse, project, logger: silentLogger });
      // What json_extract_string gives for the same paths: a nested value as its JSON text, a missing one as NULL.
      expect(await warehouse.query('SELECT ab, c FROM MARS_SILVER.B ORDER BY ab NULLS LAST, c NULLS LAST')).toEqual([
        { ab: 7, c: 'x' },
        { ab: null, c: '{"d":1}' },
        { ab: null, c: null },
      ]);
    } finally {
      await warehouse.close();
    }
    await write('silver/B.sql', model("{{ json_str('p.f', 'd') }} AS d"));
    project = await loadProject(dir);
    expect(() => renderModel(project.models.get('B')!, project, 'duckdb')).toThrow('d is not among the paths json_fields parses into f');
    await write('silver/B.sql', model("{{ json_get('p.f', 'c') }} AS c"));
    project = await loadProject(dir);
    expect(() => renderModel(project.models.get('B')!, project, 'duckdb')).toThrow('p.f holds parsed fields, not JSON');
  });

  it('merges incremental rows by key, keeps the newer version, and reports failing data tests with their rows', async () => {
    await write('bronze/EVENTS.sql', "{{ config(materialized='ddl') }}\nCREATE TABLE IF NOT EXISTS {{ this }} (load_id BIGINT, k VARCHAR, v INTEGER, seen INTEGER)");
    await write(
      'silver/LATEST.sql',
      "{{ config(materialized='incremental', unique_key='k', updated_at='seen') }}\nSELECT k, v, seen, load_id FROM {{ source('EVENTS') }} e WHERE {{ incremental_since('e.load_id') }} QUALIFY ROW_NUMBER() OVER (PARTITION BY k ORDER BY seen DESC) = 1",
    );
    await write('silver/schema.yml', 'models:\n  LATEST:\n    columns:\n      v: [{ accepted_values: [1, 2, 3] }]\n');
    const project = await loadProject(dir);
    const warehouse = await DuckDbWarehouse.open(path.join(dir, 'w.duckdb'));
    try {
      const build = () => runModels({ warehouse, project, logger: silentLogger });
      await build();
      await warehouse.exec('INSERT INTO MARS_BRONZE.EVENTS VALUES (1, \'a\', 1, 10), (1, \'b\', 1, 10)');
      expect((await build()).find((r) => r.name === 'LATEST')).toMatchObject({ rows: 2, merged: 2 });
      // A newer version of a, and a replayed older version of b: only the newer one wins.
      await warehouse.exec('INSERT INTO MARS_BRONZE.EVENTS VALUES (2, \'a\', 2, 20), (2, \'b\', 9, 5)');
      expect((await build()).find((r) => r.name === 'LATEST')).toMatchObject({ rows: 2, merged: 2 });
      expect((await build()).find((r) => r.name === 'LATEST')).toMatchObject({ rows: 2, merged: 0 });
      expect(await warehouse.query('SELECT k, v FROM MARS_SILVER.LATEST ORDER BY k')).toEqual([
        { k: 'a', v: 2 },
        { k: 'b', v: 1 },
      ]);
      await warehouse.exec('INSERT INTO MARS_BRONZE.EVENTS VALUES (3, \'c\', 7, 30)');
      await build();
      const [result] = await runDataTests({ warehouse, logger: silentLogger, project });
      expect(result).toMatchObject({ name: 'accepted_values_LATEST_v', passed: false, failures: 1, sample: [{ v: 7, n_rows: 1 }] });
    } finally {
      await warehouse.close();
    }
  });

  it('rebuilds an incremental table whole when its columns change, and swaps a table for a view and back', async () => {
    await write('bronze/EVENTS.sql', "{{ config(materialized='ddl') }}\nCREATE TABLE IF NOT EXISTS {{ this }} (load_id BIGINT, k VARCHAR, v INTEGER)");
    const latest = (columns: string) =>
      write('silver/LATEST.sql', `{{ config(materialized='incremental', unique_key='k', updated_at='load_id') }}\nSELECT ${columns} FROM {{ source('EVENTS') }} e WHERE {{ incremental_since('e.load_id') }}`);
    const names = (kind: 'table' | 'view') => write('silver/NAMES.sql', `{{ config(materialized='${kind}') }}\nSELECT k FROM {{ ref('LATEST') }}`);
    await latest('k, load_id');
    await names('table');
    const warehouse = await DuckDbWarehouse.open(path.join(dir, 'w.duckdb'));
    try {
      const build = async () => runModels({ warehouse, project: await loadProject(dir), logger: silentLogger });
      const typeOf = async (table: string) =>
        (await warehouse.query(`SELECT table_type FROM information_schema.tables WHERE table_schema = 'MARS_SILVER' AND table_name = '${table}'`))[0]?.table_type;
      await build();
      await warehouse.exec("INSERT INTO MARS_BRONZE.EVENTS VALUES (1, 'a', 1), (1, 'b', 2)");
      await build();
      // A new column: the rows already merged get it too, not only the new ones.
      await latest('k, v, load_id');
      await warehouse.exec("INSERT INTO MARS_BRONZE.EVENTS VALUES (2, 'c', 3)");
      expect((await build()).find((r) => r.name === 'LATEST')).toMatchObject({ rows: 3, merged: 3 });
      expect(await warehouse.query('SELECT k, v FROM MARS_SILVER.LATEST ORDER BY k')).toEqual([
        { k: 'a', v: 1 },
        { k: 'b', v: 2 },
        { k: 'c', v: 3 },
      ]);
      expect(await typeOf('NAMES')).toBe('BASE TABLE');
      await names('view');
      expect((await build()).find((r) => r.name === 'NAMES')).toMatchObject({ materialized: 'view', rows: 3 });
      expect(await typeOf('NAMES')).toBe('VIEW');
      await names('table');
      await build();
      expect(await typeOf('NAMES')).toBe('BASE TABLE');
    } finally {
      await warehouse.close();
    }
  });
});
