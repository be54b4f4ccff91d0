import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { RateLimiter } from '../../ingest/http/token-bucket.ts';
import { expected } from '../../platform/errors.ts';

/**
 * Takes one token or says how long to wait, atomically, on Redis's clock: one bucket for every
 * worker of every process, so the NASA budget holds however far the service is scaled out.
 */
const TAKE = `
local msPerToken = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - ts) / msPerToken)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * msPerToken) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * msPerToken) + 60000)
return wait
`;

export interface SharedTokenBucketOptions {
  redis: Redis;
  /** Redis key of the bucket (under the queue prefix). */
  key: string;
  perHour: number;
  /** Largest burst. Default: a full hour's budget, as the in-process bucket. */
  capacity?: number;
}

/**
 * The global NASA request budget: the HttpClient takes a token before every request, here from
 * Redis instead of from process memory.
 */
export class SharedTokenBucket implements RateLimiter {
  readonly perHour: number;
  readonly capacity: number;
  private readonly redis: Redis;
  private readonly key: string;

  constructor(options: SharedTokenBucketOptions) {
    if (!Number.isFinite(options.perHour) || options.perHour <= 0) {
      throw new RangeError(expected('a positive number', 'perHour', options.perHour));
    }
    this.perHour = options.perHour;
    this.capacity = Math.max(1, options.capacity ?? options.perHour);
    this.redis = options.redis;
    this.key = options.key;
  }

  async take(): Promise<void> {
    for (;;) {
      const wait = await this.tryTake();
      if (wait <= 0) return;
      await sleep(wait);
    }
  }

  /** Takes a token and answers 0, or takes none and answers the milliseconds until one is due. */
  async tryTake(): Promise<number> {
    return Number(await this.redis.eval(TAKE, 1, this.key, String(3_600_000 / this.perHour), String(this.capacity)));
  }
}
