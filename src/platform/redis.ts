import { Redis } from 'ioredis';
import { silentLogger, type Logger } from './logger.ts';

export interface RedisOptions {
  /** Shown in `CLIENT LIST`, to tell the process's connections apart. */
  name?: string;
  /** Where connection errors go while it reconnects. Default: dropped (tests, callers without logs). */
  logger?: Logger;
}

/**
 * A Redis connection as BullMQ needs it: commands wait through a disconnect instead of failing
 * (`maxRetriesPerRequest: null`), and reconnection goes on forever with a capped delay, so a
 * Redis restart pauses the queues rather than crashing them. Whoever creates it closes it.
 */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: options.name,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
  });
  // Without a listener ioredis prints every failed reconnect to the console; it reconnects anyway.
  let lastLogged = 0;
  redis.on('error', (error: Error) => {
    if (Date.now() - lastLogged < 5000) return;
    lastLogged = Date.now();
    (options.logger ?? silentLogger).warn({ redis: options.name, error: error.message }, 'Redis connection trouble; reconnecting');
  });
  return redis;
}

/** Closes a connection politely, falling back to a hard disconnect when Redis is unreachable. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await Promise.race([redis.quit(), new Promise((_, reject) => setTimeout(() => reject(new Error('quit timed out')), 2000).unref())]);
  } catch {
    redis.disconnect();
  }
}
