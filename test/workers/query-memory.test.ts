import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKafka, type TestKafka } from '../support/kafka.ts';
import { spawnServe, type ServeChild } from '../support/serve-child.ts';
import { tempDir, uniqueName } from '../support/temp.ts';

/** Resident memory of a process, from the kernel's own count. */
async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)![1]) * 1024;
}

async function query(url: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/api/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe('a huge result through mars serve (a child process, so its memory is its own)', () => {
  let kafka: TestKafka;
  let temp: Awaited<ReturnType<typeof tempDir>>;
  let serve: ServeChild;

  beforeAll(async () => {
    [kafka, temp] = await Promise.all([startTestKafka(), tempDir('mars-query-memory')]);
    serve = await spawnServe({ DATA_DIR: temp.dir, KAFKA_BROKERS: kafka.brokers.join(','), KAFKA_GROUP_PREFIX: uniqueName('g'), PORT: '0', LOG_LEVEL: 'warn' }, [
      '--roles',
      'query-api',
    ]);
  }, 120_000);

  afterAll(async () => {
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    await kafka?.close();
    await temp?.cleanup();
  });

  it('answers SELECT * FROM range(10000000) capped, and streams a million rows with RSS up by less than 200 MB', async () => {
    const pid = serve.child.pid!;
    // Warm: DuckDB's first query loads what every later one shares.
    await query(serve.url, { sql: 'SELECT 42' });
    const before = await rssBytes(pid);

    const capped = await query(serve.url, { sql: 'SELECT * FROM range(10000000)' });
    expect((capped.rows as unknown[]).length).toBe(10_000);
    expect(capped).toMatchObject({ rowCount: 10_000, truncated: true, limit: 10_000 });

    const streamed = await query(serve.url, { sql: 'SELECT range AS n, range * 2 AS twice FROM range(1000000)', limit: 10_000_000 });
    expect(streamed).toMatchObject({ rowCount: 1_000_000, truncated: false });
    expect((streamed.rows as unknown[]).at(-1)).toEqual({ n: 999_999, twice: 1_999_998 });

    const grown = (await rssBytes(pid)) - before;
    expect(grown).toBeLessThan(200 * 1024 * 1024);
  });
});
