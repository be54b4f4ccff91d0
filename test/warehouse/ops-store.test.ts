import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../src/timelapse/topics.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';
import { OpsStore } from '../../src/warehouse/ops/ops-store.ts';
import { replayDeadLetter } from '../../src/warehouse/ops/replay-dead-letter.ts';
import { startTestKafka, type TestKafka } from '../support/kafka.ts';
import { mars } from '../support/mars-cli.ts';
import { tempDir, uniqueName } from '../support/temp.ts';

const letter = (value: string | null, topic = 'ingestion-scheduling'): DeadLetter => ({
  reason: 'invalid-json',
  detail: 'Unexpected token',
  topic,
  partition: 2,
  offset: '17',
  key: 'k-1',
  value,
  consumer: 'mars-scheduler',
  at: '2026-12-01T10:00:00.000Z',
});

describe('dead letters in MARS_OPS', () => {
  let warehouse: DuckDbWarehouse;
  let dbPath: string;
  let ops: OpsStore;
  let kafka: TestKafka;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    const tmp = await tempDir('mars-ops');
    dbPath = `${tmp.dir}/w.duckdb`;
    warehouse = await DuckDbWarehouse.open(dbPath);
    ops = new OpsStore(warehouse);
    kafka = await startTestKafka();
    closers.push(() => warehouse.close(), () => kafka.close(), tmp.cleanup);
  });
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('records a letter once however often it is delivered, and replays it once', async () => {
    await ops.recordDeadLetter('dead-letter/0/5', letter('{"source":"photos"'));
    await ops.recordDeadLetter('dead-letter/0/5', letter('{"source":"photos"'));
    expect(await ops.listDeadLetters()).toMatchObject([
      { letterId: 'dead-letter/0/5', reason: 'invalid-json', topic: 'ingestion-scheduling', partition: 2, offset: '17', key: 'k-1', value: '{"source":"photos"', replayedAt: null },
    ]);

    const sent: unknown[] = [];
    const flaky = { ops, send: async () => Promise.reject(new Error('broker down')) };
    await expect(replayDeadLetter(flaky, 'dead-letter/0/5', 'test')).rejects.toThrow('broker down');
    // A publish that failed releases the claim: the letter can be replayed later.
    const deps = { ops, send: async (topic: string, value: string, key: string | null) => void sent.push({ topic, value, key }) };
    expect(await replayDeadLetter(deps, 'dead-letter/0/5', 'test')).toMatchObject({ status: 'replayed' });
    const second = await replayDeadLetter(deps, 'dead-letter/0/5', 'test');
    expect(second).toMatchObject({ status: 'refused' });
    expect(second.status === 'refused' && second.reason).toMatch(/^already replayed at 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d.* by test$/);
    expect(sent).toEqual([{ topic: 'ingestion-scheduling', value: '{"source":"photos"', key: 'k-1' }]);
    expect(await replayDeadLetter(deps, 'dead-letter/9/9', 'test')).toEqual({ status: 'not-found', letterId: 'dead-letter/9/9' });
  });

  it('mars dead-letters list and replay: filters, re-publishes to the original topic once, refuses the second time', async () => {
    const topic = uniqueName('topic');
    await ops.recordDeadLetter('dead-letter/1/1', letter('{"a":1}', topic));
    await ops.recordDeadLetter('dead-letter/1/2', { ...letter('{"b":2}', topic), reason: 'handler-failed' });
    await warehouse.close();
    try {
      const env = { KAFKA_BROKERS: kafka.brokers.join(','), DUCKDB_PATH: dbPath };
      const listed = await mars(env, 'dead-letters', 'list', '--topic', topic, '--json');
      expect(listed.code).toBe(0);
      expect((JSON.parse(listed.stdout) as Array<{ letterId: string }>).map((l) => l.letterId)).toEqual(['dead-letter/1/2', 'dead-letter/1/1']);

      const replayed = await mars(env, 'dead-letters', 'replay', '--topic', topic, '--reason', 'handler-failed');
      expect(replayed.stdout).toBe('replayed dead-letter/1/2 to ' + topic + '\n');
      expect(replayed.code).toBe(0);
      const [message] = await kafka.readTopic(topic, 1);
      expect(message).toMatchObject({ key: 'k-1', value: '{"b":2}' });

      const again = await mars(env, 'dead-letters', 'replay', 'dead-letter/1/2');
      expect(again.code).toBe(1);
      expect(again.stdout).toMatch(/^REFUSED dead-letter\/1\/2: already replayed at .* by mars dead-letters\n$/);
      // With a filter, letters replayed already are passed over.
      const none = await mars(env, 'dead-letters', 'replay', '--topic', topic, '--reason', 'handler-failed');
      expect(none.stdout).toBe('nothing to replay\n');
      const table = await mars(env, 'dead-letters', 'list', '--topic', topic);
      expect(table.stdout).toMatch(/^letter +\| reason +\| topic/);
      expect(table.stdout).toMatch(/dead-letter\/1\/1 +\| invalid-json +\|/);
    } finally {
      warehouse = await DuckDbWarehouse.open(dbPath);
    }
  }, 300_000);
});
