import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mars as runMars } from '../support/mars-cli.ts';
import { startTestS3 } from '../support/s3.ts';
import { tempDir } from '../support/temp.ts';
import { envelope, fixturePhotos, putEnvelope } from '../support/envelopes.ts';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ObjectStore } from '../../src/platform/object-store/object-store.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';


describe('mars warehouse build|test and mars query (child processes)', () => {
  let env: NodeJS.ProcessEnv;
  let store: ObjectStore;
  const closers: Array<() => Promise<void>> = [];

  const mars = (...args: string[]) => runMars(env, ...args);

  beforeAll(async () => {
    const s3 = await startTestS3();
    const tmp = await tempDir('mars-cli-wh');
    store = s3.store;
    closers.push(s3.close, tmp.cleanup);
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATA_DIR: tmp.dir,
      DUCKDB_PATH: path.join(tmp.dir, 'warehouse.duckdb'),
      S3_ENDPOINT: s3.s3.endpoint,
      S3_ACCESS_KEY: s3.s3.accessKey,
      S3_SECRET_KEY: s3.s3.secretKey,
      S3_BUCKET: s3.store.bucket,
      LOG_LEVEL: 'warn',
    };
    await putEnvelope(store, envelope('photos', 'spirit', await fixturePhotos('spirit_sol1.json'), { solStart: 1 }));
  });
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('builds, answers queries as one JSON array, and fails naming the data test that fails', async () => {
    const build = await mars('warehouse', 'build');
    expect(build.stderr).not.toMatch(/error/i);
    expect(build.code).toBe(0);
    expect(build.stdout).toContain('loaded 1 raw object (77 rows), 0 already loaded, 0 refused');
    expect(build.stdout).toMatch(/data tests: \d+ passed, 0 failed/);

    const query = await mars('query', 'SELECT camera_name, COUNT(*) AS n FROM MARS_SILVER.FLAT_PHOTO_RESPONSE GROUP BY camera_name ORDER BY camera_name', '--json');
    expect(query.code).toBe(0);
    expect(JSON.parse(query.stdout)).toEqual([
      { camera_name: 'ENTRY', n: 3 },
      { camera_name: 'FHAZ', n: 2 },
      { camera_name: 'NAVCAM', n: 61 },
      { camera_name: 'PANCAM', n: 9 },
      { camera_name: 'RHAZ', n: 2 },
    ]);
    const table = await mars('query', "SELECT rover_name, COUNT(*) AS n FROM MARS_SILVER.FACT_PHOTOS GROUP BY rover_name");
    expect(table.stdout).toBe('rover_name | n\n-----------+---\nspirit     | 77\n(1 row)\n');

    // A photo record without its camera passes the loader (records land as received) and
    // breaks the not_null test on camera_name.
    const [photo] = await fixturePhotos('spirit_sol1.json');
    const { camera: _camera, ...cameraless } = photo!;
    await putEnvelope(store, envelope('photos', 'spirit', [{ ...cameraless, id: 999_000_001, sol: 2 }], { solStart: 2 }));
    const broken = await mars('warehouse', 'build');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('FAIL not_null_FLAT_PHOTO_RESPONSE_camera_name (1 failing row)');

    const test = await mars('warehouse', 'test');
    expect(test.code).toBe(1);
    expect(test.stdout).toContain('FAIL not_null_FLAT_PHOTO_RESPONSE_camera_name (1 failing row)');
    expect(test.stdout).toMatch(/^image_id +\| rover_name.*\n.*\n999000001 +\| spirit +\| 2 /m);
    expect(test.stdout).toMatch(/data tests: \d+ passed, 1 failed\n$/);

    const only = await mars('warehouse', 'test', '--select', 'unique_FLAT_PHOTO_RESPONSE');
    expect(only.code).toBe(0);
    expect(only.stdout).toBe('data tests: 1 passed, 0 failed\n');
  }, 300_000);

  it('reads through the mars serve that holds the warehouse file when another process has it', async () => {
    // This process holds the file, and answers POST /api/query the way `mars serve` does.
    const holder = await DuckDbWarehouse.open(env.DUCKDB_PATH!);
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', async () => {
        const { sql } = JSON.parse(body) as { sql: string };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ rows: await holder.query(sql) }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((server.address() as AddressInfo).port);
      const saved = env;
      env = { ...saved, PORT: port };
      const query = await mars('query', 'SELECT COUNT(*) AS n FROM MARS_SILVER.FLAT_PHOTO_RESPONSE', '--json');
      expect(query.stderr).toBe('');
      expect(query.code).toBe(0);
      expect(JSON.parse(query.stdout)).toEqual([{ n: 78 }]);
      const test = await mars('warehouse', 'test', '--select', 'not_null_FLAT_PHOTO_RESPONSE_camera_name');
      expect(test.code).toBe(1);
      expect(test.stdout).toContain('FAIL not_null_FLAT_PHOTO_RESPONSE_camera_name (1 failing row)');
      env = { ...saved, PORT: '1' };
      const nobody = await mars('query', 'SELECT 1');
      expect(nobody.code).toBe(1);
      expect(nobody.stderr).toContain('No mars serve answered at http://127.0.0.1:1');
      env = saved;
    } finally {
      server.close();
      await holder.close();
    }
  });
});
