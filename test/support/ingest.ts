import path from 'node:path';
import { loadConfig, type Config } from '../../src/platform/config.ts';
import type { MarsError } from '../../src/platform/errors.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import type { ObjectStore } from '../../src/platform/object-store/object-store.ts';
import { HttpClient, type HttpClientOptions } from '../../src/ingest/http-client.ts';
import { RollingHourLimit } from '../../src/ingest/http/rolling-hour-limit.ts';
import type { RawEnvelope } from '../../src/timelapse/raw-objects.ts';
import { fixturesDir, nasaFixtures } from './temp.ts';

export const replayFixtures = path.join(fixturesDir, 'replay');
/** The real NASA recordings plus the feed responses derived from them. */
export const allRecordings = [nasaFixtures, replayFixtures];

/** A configuration whose three source roots point at `url`, or with every source off. */
export function configFor(url: string | undefined, env: Record<string, string> = {}): Config {
  return loadConfig({
    ...(url ? { NASA_API_BASE_URL: url, MARS_RAW_BASE_URL: url, MMGIS_BASE_URL: url } : { MARS_RAW_BASE_URL: '', MMGIS_BASE_URL: '' }),
    NASA_API_KEY: 'TEST_KEY',
    DATA_DIR: 'unused-in-ingest-tests',
    ...env,
  });
}

/**
 * An HttpClient that never really waits: its own bucket (not the process-wide one) and a sleep
 * that records the delays asked for, so tests check Retry-After and backoff without timing.
 */
export function testHttpClient(options: HttpClientOptions = {}): { http: HttpClient; delays: number[] } {
  const delays: number[] = [];
  const http = new HttpClient({
    rateLimiter: new RollingHourLimit({ perHour: 1_000_000 }),
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...options,
  });
  return { http, delays };
}

export async function readEnvelope(store: ObjectStore, key: string): Promise<RawEnvelope> {
  return (await store.getJson(key)) as RawEnvelope;
}

/** Count of records per value of `pick` (e.g. camera name). */
export function countBy(records: readonly unknown[], pick: (record: any) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of records) {
    const key = pick(record);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export const ingestLogger = silentLogger;

/** The error a promise rejects with; fails the test when it resolves instead. */
export async function failureOf(promise: Promise<unknown>): Promise<MarsError & { status?: number; retryAfterMs?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as MarsError;
  }
  throw new Error('expected a failure, but the promise resolved');
}
