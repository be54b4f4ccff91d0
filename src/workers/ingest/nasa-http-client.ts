import type { Redis } from 'ioredis';
import { HttpClient } from '../../ingest/http-client.ts';
import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/logger.ts';
import { SharedRollingHourLimit } from './shared-rolling-hour-limit.ts';

/**
 * The HTTP client every process that talks to NASA uses (ingest workers and `mars ingest`): the
 * hourly budget is counted in Redis, so a CLI run and the service never spend it twice.
 */
export function nasaHttpClient(config: Config, redis: Redis, logger: Logger): HttpClient {
  return new HttpClient({
    timeoutMs: config.http.timeoutMs,
    concurrency: config.http.concurrency,
    maxResponseBytes: config.http.maxResponseBytes,
    rateLimiter: new SharedRollingHourLimit({ redis, key: `${config.queues.prefix}:nasa-requests`, perHour: config.nasa.rateLimitPerHour }),
    logger,
  });
}
