import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';
import { tempDir } from '../support/temp.ts';

describe('DuckDbWarehouse', () => {
  let warehouse: DuckDbWarehouse;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const tmp = await tempDir('mars-duck');
    cleanup = tmp.cleanup;
    warehouse = await DuckDbWarehouse.open(`${tmp.dir}/w.duckdb`);
  });
  afterAll(async () => {
    await warehouse.close();
    await cleanup();
  });

  it('binds parameters and returns plain values', async () => {
    await warehouse.exec('CREATE SCHEMA IF NOT EXISTS MARS_TEST');
    await warehouse.exec('CREATE TABLE MARS_TEST.T (id BIGINT, name VARCHAR, j JSON, d DATE)');
    await warehouse.insertRows('MARS_TEST.T', ['id', 'name', 'j', 'd'], [
      [1, 'FHAZ', { a: 1 }, '2012-08-06'],
      [2, 'RHAZ', null, null],
    ]);
    const rows = await warehouse.query('SELECT id, name, j->>\'$.a\' AS a, d FROM MARS_TEST.T WHERE id >= ? ORDER BY id', [1]);
    expect(rows).toEqual([
      { id: 1, name: 'FHAZ', a: '1', d: '2012-08-06' },
      { id: 2, name: 'RHAZ', a: null, d: null },
    ]);
  });

  it('rolls back a failed transaction', async () => {
    await expect(
      warehouse.transaction(async (tx) => {
        await tx.exec("INSERT INTO MARS_TEST.T (id, name) VALUES (3, 'X')");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await warehouse.query('SELECT count(*) AS n FROM MARS_TEST.T')).toEqual([{ n: 2 }]);
  });

  it('gives a warehouse file 256 MiB of memory per DuckDB thread unless told otherwise, and an in-memory one DuckDB\'s default', async () => {
    const setting = async (w: DuckDbWarehouse) =>
      (await w.query("SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS memory_limit"))[0] as { threads: number; memory_limit: string };
    const { threads, memory_limit } = await setting(warehouse);
    // As DuckDB prints sizes: 512.0 MiB, 1.0 GiB.
    const mib = threads * 256;
    expect(memory_limit).toBe(mib < 1024 ? `${mib}.0 MiB` : `${(mib / 1024).toFixed(1)} GiB`);
    const memory = await DuckDbWarehouse.open(':memory:');
    const tmp = await tempDir('mars-duck-limit');
    const told = await DuckDbWarehouse.open(`${tmp.dir}/w.duckdb`, { memoryLimit: '300MB' });
    try {
      expect((await setting(memory)).memory_limit).not.toBe(memory_limit);
      expect((await setting(told)).memory_limit).toBe('286.1 MiB');
    } finally {
      await memory.close();
      await told.close();
      await tmp.cleanup();
    }
  });
});
