import { expect, it } from 'vitest';
import { loadConfig } from '../../src/platform/config.ts';
import type { Service } from '../../src/platform/lifecycle.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { Runtime } from '../../src/workers/runtime.ts';
import { MarsService } from '../../src/workers/service.ts';
import { tempDir } from '../support/temp.ts';

it('closes every part of a role whose start failed half-way, in reverse, once', async () => {
  const { dir, cleanup } = await tempDir();
  const runtime = new Runtime(loadConfig({ DATA_DIR: dir }), silentLogger);
  const calls: string[] = [];
  const part = (name: string, fails = false): Service => ({
    name,
    start: async () => {
      calls.push(`start ${name}`);
      if (fails) throw new Error(`${name} could not start`);
    },
    close: async () => {
      calls.push(`close ${name}`);
    },
    describe: () => ({}),
  });
  const service = new MarsService({
    config: runtime.config,
    logger: silentLogger,
    runtime,
    port: 0,
    definitions: [{ name: 'half', description: 'a role whose second part fails to start', create: async () => [part('a'), part('b', true), part('c')] }],
  });
  try {
    await expect(service.start()).rejects.toThrow('b could not start');
    await service.close();
    await service.close();
    expect(calls).toEqual(['start a', 'start b', 'close c', 'close b', 'close a']);
  } finally {
    await runtime.close();
    await cleanup();
  }
});

it('keeps each dependency it opened as a part, in start order, and closes them all', async () => {
  const { dir, cleanup } = await tempDir();
  const runtime = new Runtime(loadConfig({ DATA_DIR: dir }), silentLogger);
  try {
    const store = await runtime.objectStore();
    const warehouse = await runtime.warehouse();
    const redis = runtime.redis();
    await redis.ping();
    const status = runtime.describe();
    expect(Object.keys(status)).toEqual(['embedded-s3', 'object-store', 'warehouse', 'redis']);
    expect(status.warehouse).toEqual({ kind: 'duckdb', where: runtime.config.warehouse.kind === 'duckdb' ? runtime.config.warehouse.duckdbPath : '' });
    expect(status['object-store']).toEqual({ endpoint: runtime.embeddedObjectStore!.endpoint, bucket: 'mars' });
    await runtime.close();
    await runtime.close();
    // quit() answers before the socket is gone: the connection ends right after.
    if (redis.status !== 'end') await new Promise((resolve) => redis.once('end', resolve));
    expect(redis.status).toBe('end');
    await expect(warehouse.query('SELECT 1')).rejects.toThrow();
    await expect(store.stat('anything')).rejects.toThrow();
  } finally {
    await runtime.close();
    await cleanup();
  }
});
