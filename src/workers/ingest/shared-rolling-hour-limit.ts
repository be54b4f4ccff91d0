import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { checkPerHour, HOUR_MS, type RateLimiter } from '../../ingest/http/rolling-hour-limit.ts';

/**
 * Records one request or says how long to wait, atomically, on Redis's clock: the requests of
 * the last hour are a sorted set scored by time, so every worker of every process counts the
 * same rolling hour.
 */
const TAKE = `
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

export interface SharedRollingHourLimitOptions {
  redis: Redis;
  /** Redis key of the budget (under the queue prefix). */
  key: string;
  /** Most requests in any rolling hour, across every process. */
  perHour: number;
}

/**
 * The global NASA request budget: the HttpClient asks before every request, here through
 * Redis instead of process memory, so the budget holds however far the service is scaled out.
 */
export class SharedRollingHourLimit implements RateLimiter {
  readonly perHour: number;
  private readonly redis: Redis;
  private readonly key: string;
  private readonly client = randomUUID();
  private sequence = 0;

  constructor(options: SharedRollingHourLimitOptions) {
    checkPerHour(options.perHour);
    this.perHour = options.perHour;
    this.redis = options.redis;
    this.key = options.key;
  }

  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const wait = await this.tryTake();
      if (wait <= 0) return;
      await sleep(wait, undefined, { signal });
    }
  }

  /** Records a request and answers 0, or records none and answers the milliseconds until one may go. */
  async tryTake(): Promise<number> {
    return Number(await this.redis.eval(TAKE, 1, this.key, String(HOUR_MS), String(this.perHour), `${this.client}:${++this.sequence}`));
  }
}
