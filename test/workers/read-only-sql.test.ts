import { describe, expect, it } from 'vitest';
import { readOnlyRefusal } from '../../src/workers/api/read-only-sql.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';

describe('the query API read-only check', () => {
  it('lets reading statements through', () => {
    for (const sql of [
      'SELECT 1',
      'select count(*) AS n FROM MARS_SILVER.FACT_PHOTOS;',
      '  (SELECT 1) UNION (SELECT 2)',
      "WITH x AS (SELECT 'delete; drop' AS s) SELECT s FROM x",
      'FROM MARS_LINEAGE.RENDER_FRAMES -- ; DROP TABLE t\n',
      'SELECT /* update */ loaded_at, created_at FROM t',
      'DESCRIBE MARS_SILVER.FACT_PHOTOS',
      'SHOW TABLES',
      'SUMMARIZE MARS_GOLD.PHOTO_SUMMARY',
      'EXPLAIN SELECT 1',
      "SELECT regexp_matches(x, '\\d+') FROM t",
      'SELECT "delete" FROM t',
    ]) {
      expect(readOnlyRefusal(sql), sql).toBeNull();
    }
  });

  it('refuses writes, several statements and anything it cannot read with certainty', () => {
    const cases: Array<[string, string]> = [
      ['DROP TABLE MARS_SILVER.FLAT_PHOTO_RESPONSE', 'only read-only statements (SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN) go through the service'],
      ['SELECT 1; DROP TABLE t', 'send one statement at a time'],
      ['FROM t; DELETE FROM t', 'send one statement at a time'],
      ['WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x', 'only read-only statements go through the service, and this one has INSERT'],
      ['EXPLAIN ANALYZE DELETE FROM t', 'only read-only statements go through the service, and this one has ANALYZE'],
      // Backslashes escape quotes in some dialects and not in others: either reading must pass.
      ["SELECT 'a\\'; DROP TABLE t; SELECT '\\'", 'send one statement at a time'],
      ["SELECT E'a\\'' ; DROP TABLE t; SELECT ''", 'a quote or comment is left open'],
      ['SELECT $a$ $$ $a$; DROP TABLE t; SELECT $$ $$', 'send one statement at a time'],
      ["SELECT 'open", 'a quote or comment is left open'],
      ['SELECT 1 /* open', 'a quote or comment is left open'],
    ];
    for (const [sql, reason] of cases) expect(readOnlyRefusal(sql), sql).toBe(reason);
  });

  it('refuses exactly statements DuckDB would have let write', async () => {
    const warehouse = await DuckDbWarehouse.open(':memory:');
    try {
      const writes = ['SELECT 1; DROP TABLE t', 'WITH x AS (SELECT 3) INSERT INTO t SELECT * FROM x', 'EXPLAIN ANALYZE DELETE FROM t', "SELECT 'a\\'; DROP TABLE t; SELECT '\\'", "SELECT E'a\\'' ; DROP TABLE t; SELECT ''"];
      for (const sql of writes) {
        await warehouse.exec('CREATE OR REPLACE TABLE t AS SELECT 1 AS a UNION ALL SELECT 2');
        expect(readOnlyRefusal(sql), sql).not.toBeNull();
        await warehouse.query(sql).catch(() => undefined);
        const left = await warehouse.query<{ n: number }>('SELECT count(*) AS n FROM t').catch(() => [{ n: -1 }]);
        expect(left[0]!.n, sql).not.toBe(2);
      }
    } finally {
      await warehouse.close();
    }
  });
});
