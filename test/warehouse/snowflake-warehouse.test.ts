import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/platform/logger.ts';
import { runDataTests } from '../../src/warehouse/data-tests/run-data-tests.ts';
import { loadProject } from '../../src/warehouse/models/project.ts';
import { runModels } from '../../src/warehouse/models/run-models.ts';
import { SnowflakeQueryError, SnowflakeWarehouse, type SnowflakeConfig } from '../../src/warehouse/snowflake-warehouse.ts';
import { startSnowflakeStub, type SnowflakeStub, type StubAnswer, type StubStatement } from '../support/snowflake-stub.ts';

const config = (url: string, password = 'secret'): SnowflakeConfig => ({
  kind: 'snowflake',
  account: 'marsaccount',
  username: 'MARS_LOADER',
  password,
  database: 'MARS_DB',
  warehouse: 'MARS_WH',
  accessUrl: url,
});

function answer(statement: StubStatement): StubAnswer {
  const sql = statement.sqlText;
  // For the build below: FLAT_PHOTO_RESPONSE exists (so it merges), and every count is 3.
  if (sql.includes('information_schema.tables')) {
    return { columns: [{ name: 'N', type: 'fixed' }], rows: [[statement.bindings[1]?.value === 'FLAT_PHOTO_RESPONSE' ? '1' : '0']] };
  }
  if (/^SELECT COUNT\(\*\) AS (n|failures) FROM/.test(sql)) return { columns: [{ name: 'N', type: 'fixed' }], rows: [['3']] };
  if (sql.includes('MISSING_TABLE')) {
    return { error: { code: '002003', sqlState: '42S02', message: "SQL compilation error:\nObject 'MARS_SILVER.MISSING_TABLE' does not exist or not authorized." } };
  }
  if (sql.startsWith('SELECT image_id')) {
    // 2,500 rows: more than one page of anything, streamed row by row to the adapter.
    return {
      columns: [
        { name: 'IMAGE_ID', type: 'text' },
        { name: 'SOL', type: 'fixed' },
        { name: 'SCLK', type: 'real' },
        { name: 'IS_FULL', type: 'boolean' },
        { name: 'EXTENDED', type: 'variant' },
      ],
      rows: Array.from({ length: 2500 }, (_, i) => [`img-${i}`, String(i % 7), i === 0 ? '726421425.133' : null, i % 2 === 0 ? '1' : '0', i === 0 ? '{"dimension":"(1288,968)"}' : null]),
    };
  }
  return { columns: [{ name: 'status', type: 'text' }], rows: [['Statement executed successfully.']] };
}

describe('SnowflakeWarehouse against a local stub of the Snowflake protocol', () => {
  let stub: SnowflakeStub;
  let warehouse: SnowflakeWarehouse;
  beforeAll(async () => {
    stub = await startSnowflakeStub({ password: 'secret', answer });
    warehouse = await SnowflakeWarehouse.connect(config(stub.url));
  });
  afterAll(async () => {
    await warehouse.close();
    await warehouse.close();
    await stub.close();
  });

  it('logs in with the configured user, database and warehouse', () => {
    expect(stub.logins).toEqual([{ user: 'MARS_LOADER', database: 'MARS_DB', warehouse: 'MARS_WH' }]);
  });

  it('sends binds by position with their types and streams typed rows back', async () => {
    const rows = await warehouse.query('SELECT image_id, sol, sclk, is_full, extended FROM MARS_SILVER.FACT_PHOTOS WHERE rover_name = ? AND sol >= ?', ['perseverance', 0]);
    expect(stub.statements.at(-1)).toEqual({
      sqlText: 'SELECT image_id, sol, sclk, is_full, extended FROM MARS_SILVER.FACT_PHOTOS WHERE rover_name = ? AND sol >= ?',
      bindings: [
        { type: 'TEXT', value: 'perseverance' },
        { type: 'FIXED', value: '0' },
      ],
    });
    expect(rows).toHaveLength(2500);
    expect(rows[0]).toEqual({ IMAGE_ID: 'img-0', SOL: 0, SCLK: 726421425.133, IS_FULL: true, EXTENDED: { dimension: '(1288,968)' } });
    expect(rows[2499]).toEqual({ IMAGE_ID: 'img-2499', SOL: 2499 % 7, SCLK: null, IS_FULL: false, EXTENDED: null });
  });

  it('turns an error response into a non-retriable error naming the code and the statement', async () => {
    const failure = warehouse.query('SELECT * FROM MARS_SILVER.MISSING_TABLE');
    await expect(failure).rejects.toBeInstanceOf(SnowflakeQueryError);
    await expect(failure).rejects.toMatchObject({
      message: "Snowflake: SQL compilation error:\nObject 'MARS_SILVER.MISSING_TABLE' does not exist or not authorized. (code 002003; statement: SELECT * FROM MARS_SILVER.MISSING_TABLE)",
      code: 'SNOWFLAKE_002003',
      sqlState: '42S02',
      retriable: false,
    });
  });

  it('inserts rows in multi-row statements with binds, and wraps a transaction in BEGIN/COMMIT or ROLLBACK', async () => {
    const before = stub.statements.length;
    const rows = Array.from({ length: 1200 }, (_, i) => [i, `cam-${i}`, { n: i }]);
    await warehouse.insertRows('MARS_TEST.T', ['id', 'name', 'meta'], rows);
    const inserts = stub.statements.slice(before);
    expect(inserts.map((s) => s.bindings.length)).toEqual([1500, 1500, 600]);
    expect(inserts[0]!.sqlText.startsWith('INSERT INTO MARS_TEST.T (id, name, meta) VALUES (?, ?, ?), (?, ?, ?)')).toBe(true);
    expect(inserts[2]!.bindings.slice(-3)).toEqual([
      { type: 'FIXED', value: '1199' },
      { type: 'TEXT', value: 'cam-1199' },
      { type: 'TEXT', value: '{"n":1199}' },
    ]);

    const mark = stub.statements.length;
    await warehouse.transaction(async (tx) => tx.exec("DELETE FROM MARS_TEST.T WHERE name = 'x'"));
    await expect(warehouse.transaction(async (tx) => tx.exec('DELETE FROM MARS_TEST.MISSING_TABLE'))).rejects.toThrow('does not exist');
    expect(stub.statements.slice(mark).map((s) => s.sqlText)).toEqual([
      'BEGIN TRANSACTION',
      "DELETE FROM MARS_TEST.T WHERE name = 'x'",
      'COMMIT',
      'BEGIN TRANSACTION',
      'DELETE FROM MARS_TEST.MISSING_TABLE',
      'ROLLBACK',
    ]);
  });

  it('refuses a wrong password with a clear error', async () => {
    await expect(SnowflakeWarehouse.connect(config(stub.url, 'wrong'))).rejects.toThrow('Snowflake login failed: Incorrect username or password was specified.');
  });

  it('builds every model on Snowflake with the statements pinned by a golden file', async () => {
    const project = await loadProject();
    const mark = stub.statements.length;
    const results = await runModels({ warehouse, project, logger: silentLogger });
    expect(results.find((r) => r.name === 'FLAT_PHOTO_RESPONSE')).toMatchObject({ materialized: 'incremental', merged: 3, rows: 3 });
    const tests = await runDataTests({ warehouse, project, logger: silentLogger, select: 'FLAT_PHOTO_RESPONSE' });
    expect(tests.every((t) => t.failures === 3 && !t.passed)).toBe(true);
    const sent = stub.statements.slice(mark).map((s) => `${s.sqlText.trim()};${s.bindings.length > 0 ? ` -- binds: ${JSON.stringify(s.bindings.map((b) => b.value))}` : ''}`).join('\n\n') + '\n';
    const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden', 'snowflake', '_build.sql');
    if (process.env.UPDATE_GOLDEN === '1') await writeFile(file, sent);
    expect(existsSync(file)).toBe(true);
    expect(sent).toBe(await readFile(file, 'utf8'));
  });
});
