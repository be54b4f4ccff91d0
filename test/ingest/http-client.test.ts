import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConcurrencyLimit } from '../../src/ingest/http/concurrency-limit.ts';
import { parseRetryAfter } from '../../src/http/retry-after.ts';
import { HOUR_MS, processRateLimit, RollingHourLimit } from '../../src/ingest/http/rolling-hour-limit.ts';
import { HttpError, redactUrl, type RequestTally } from '../../src/ingest/http-client.ts';
import { endlessBody, failFirst, hang, htmlPage, rateLimited, serverError, type FaultResponse } from '../../src/ingest/replay/faults.ts';
import { startReplayServer, type ReplayServer } from '../../src/ingest/replay/replay-server.ts';
import { allRecordings, failureOf, testHttpClient } from '../support/ingest.ts';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['120', 120_000],
    ['0', 0],
    ['Thu, 01 Jan 2026 00:00:07 GMT', 7000],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ])('%s -> %s ms', (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});

describe('RollingHourLimit', () => {
  /** A limit on a fake clock that records every moment a request went out. */
  function fakeLimit(perHour: number) {
    let clock = 0;
    const sentAt: number[] = [];
    const limit = new RollingHourLimit({
      perHour,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    return {
      limit,
      advance: (ms: number) => (clock += ms),
      take: async () => {
        await limit.take();
        sentAt.push(clock);
      },
      sentAt,
    };
  }

  /** The most requests any rolling hour [t, t + 1 h) saw. */
  const busiestHour = (sentAt: number[]) => Math.max(...sentAt.map((start) => sentAt.filter((t) => t >= start && t < start + HOUR_MS).length));

  it('lets the budget through, then waits until the oldest request leaves the hour, first come first served', async () => {
    const fake = fakeLimit(3);
    const order: number[] = [];
    await Promise.all([1, 2, 3, 4, 5].map((n) => fake.take().then(() => order.push(n))));
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(fake.sentAt).toEqual([0, 0, 0, HOUR_MS, HOUR_MS]);
    // The first three have left the hour: one more may go now.
    expect(fake.limit.available()).toBe(1);
  });

  it('never lets one rolling hour see more than the budget, whatever the idle times between bursts', async () => {
    const fake = fakeLimit(10);
    // Bursts after idle spells: the pattern that let a full token bucket spend twice the budget.
    for (const idle of [0, HOUR_MS, 1000, 59 * 60_000, 2 * HOUR_MS, 30 * 60_000, 1, 45 * 60_000]) {
      fake.advance(idle);
      for (let i = 0; i < 7; i++) await fake.take();
    }
    expect(fake.sentAt).toHaveLength(56);
    expect(busiestHour(fake.sentAt)).toBe(10);
  });

  it('stops waiting when the caller gives up', async () => {
    const limit = new RollingHourLimit({ perHour: 1 });
    await limit.take();
    const stop = new AbortController();
    const waiting = limit.take(stop.signal);
    const started = Date.now();
    setTimeout(() => stop.abort(new Error('shutting down')), 50);
    await expect(waiting).rejects.toThrow('shutting down');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('is one limit per budget for the whole process', () => {
    expect(processRateLimit(1234)).toBe(processRateLimit(1234));
    expect(processRateLimit(1234)).not.toBe(processRateLimit(1235));
  });
});

describe('ConcurrencyLimit', () => {
  it('never runs more than its limit, even when a slot is handed over', async () => {
    const limit = new ConcurrencyLimit(2);
    let running = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    const tasks = [1, 2, 3, 4, 5].map((n) =>
      limit.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        return n;
      }),
    );
    // Release tasks one by one as they start; each release lets exactly one waiter in.
    for (let released = 0; released < 5; released++) {
      while (releases.length === 0) await new Promise((resolve) => setImmediate(resolve));
      releases.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(tasks)).toEqual([1, 2, 3, 4, 5]);
    expect(most).toBe(2);
  });
});

describe('HttpClient', () => {
  let replay: ReplayServer;
  let faults: Map<string, (hits: number) => FaultResponse | undefined>;
  beforeAll(async () => {
    faults = new Map();
    // One replay server; each test names its own path and the misbehaviour it wants there.
    replay = await startReplayServer({
      dir: allRecordings,
      faults: ({ url, hits }) => faults.get(url.pathname)?.(hits),
    });
  });
  afterAll(() => replay.close());

  const at = (name: string, fault: (hits: number) => FaultResponse | undefined) => {
    faults.set(`/t/${name}`, fault);
    return `${replay.url}/t/${name}?api_key=SECRET`;
  };

  it('returns parsed JSON checked against a schema', async () => {
    const { http } = testHttpClient();
    const value = await http.getJson(at('ok', () => ({ json: { photos: [{ id: 1 }] } })), z.object({ photos: z.array(z.object({ id: z.number() })) }));
    expect(value).toEqual({ photos: [{ id: 1 }] });
    expect(http.requestCount).toBe(1);
  });

  it('honours Retry-After in seconds on 429, then backs off on 5xx, and counts every attempt', async () => {
    const { http, delays } = testHttpClient({ baseDelayMs: 100 });
    const fault = failFirst([rateLimited('3'), serverError(503)]);
    const tally: RequestTally = { requests: 0 };
    const value = await http.getJson(at('flaky', (hits) => fault({ url: new URL('http://x'), hits }) ?? { json: { ok: true } }), undefined, { tally });
    expect(value).toEqual({ ok: true });
    expect(tally.requests).toBe(3);
    // Two retries; the 429's wait counts as a wait for the rate limit, the 503's backoff does not.
    expect(tally).toMatchObject({ retries: 2, rateLimitWaits: 1, rateLimitWaitMs: 3000 });
    expect(delays[0]).toBe(3000);
    expect(delays[1]).toBeGreaterThanOrEqual(0);
    expect(delays[1]).toBeLessThanOrEqual(200);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const { http, delays } = testHttpClient();
    const when = new Date(Date.now() + 60_000).toUTCString();
    await http.getJson(at('dated', (hits) => (hits === 0 ? rateLimited(when) : { json: {} })));
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThan(50_000);
    expect(delays[0]).toBeLessThanOrEqual(60_000);
  });

  it('gives up after its retries, saying so, and stays retriable for a queue', async () => {
    const { http } = testHttpClient({ retries: 2, baseDelayMs: 1 });
    const failure = await failureOf(http.getJson(at('down', () => serverError(500))));
    expect(failure).toBeInstanceOf(HttpError);
    expect(failure.message).toBe(`HTTP 500 Internal Server Error from ${replay.url}/t/down?api_key=***: {"error":"internal server error"} (gave up after 3 attempts)`);
    expect(failure.retriable).toBe(true);
    expect(http.requestCount).toBe(3);
  });

  it('does not retry a 4xx other than 429', async () => {
    const { http } = testHttpClient();
    const failure = await failureOf(http.getJson(at('gone', () => ({ status: 403, json: { error: 'API_KEY_INVALID' } }))));
    expect(failure.code).toBe('HTTP_STATUS');
    expect(failure.status).toBe(403);
    expect(failure.retriable).toBe(false);
    expect(http.requestCount).toBe(1);
  });

  it('refuses to sit out a Retry-After longer than its limit, handing the wait to the caller', async () => {
    const { http } = testHttpClient({ maxRetryAfterMs: 60_000 });
    const failure = await failureOf(http.getJson(at('later', () => rateLimited('3600'))));
    expect(failure.code).toBe('HTTP_RETRY_AFTER_TOO_LONG');
    expect(failure.retriable).toBe(true);
    expect(failure.retryAfterMs).toBe(3_600_000);
    expect(failure.message).toMatch(/the server asked to wait 3600 s, longer than the 60 s this client waits$/);
    expect(http.requestCount).toBe(1);
  });

  it('names an HTML page where JSON was expected', async () => {
    const { http } = testHttpClient();
    const failure = await failureOf(http.getJson(at('html', () => htmlPage(200))));
    expect(failure.code).toBe('HTTP_NOT_JSON');
    expect(failure.message).toBe(`expected JSON from ${replay.url}/t/html?api_key=*** but received an HTML page titled "Service Unavailable" (HTTP 200)`);
  });

  it('stops reading a body that never ends at the cap', async () => {
    const { http } = testHttpClient({ maxResponseBytes: 100_000, retries: 0 });
    const failure = await failureOf(http.getJson(at('endless', () => endlessBody())));
    expect(failure.code).toBe('HTTP_TOO_LARGE');
    expect(failure.message).toBe(`response from ${replay.url}/t/endless?api_key=*** is larger than the 100000-byte cap (stopped reading there)`);
    expect(failure.retriable).toBe(false);
  });

  it('refuses a body whose declared length is over the cap without reading it', async () => {
    const { http } = testHttpClient({ maxResponseBytes: 4096 });
    const url = `${replay.url}/rovers/curiosity/photos?sol=0&page=1`;
    const failure = await failureOf(http.getJson(url));
    expect(failure.code).toBe('HTTP_TOO_LARGE');
    expect(failure.message).toMatch(/is larger than the 4096-byte cap \(it declares \d+ bytes\)$/);
  });

  it('times out a server that never answers, and retries timeouts', async () => {
    const { http } = testHttpClient({ timeoutMs: 200, retries: 1, baseDelayMs: 1 });
    const failure = await failureOf(http.getJson(at('hang', () => hang())));
    expect(failure.code).toBe('HTTP_TIMEOUT');
    expect(failure.message).toBe(`GET ${replay.url}/t/hang?api_key=*** timed out after 200 ms (gave up after 2 attempts)`);
    expect(http.requestCount).toBe(2);
  });

  it('says where a response does not have the expected shape', async () => {
    const { http } = testHttpClient();
    const failure = await failureOf(http.getJson(at('shape', () => ({ json: { photos: 'none' } })), z.object({ photos: z.array(z.unknown()) })));
    expect(failure.code).toBe('HTTP_BAD_SHAPE');
    expect(failure.message).toBe(`unexpected response shape from ${replay.url}/t/shape?api_key=***: photos: Invalid input: expected array, received string`);
  });

  it('asks its limit before every attempt', async () => {
    let clock = 0;
    const waits: number[] = [];
    const limit = new RollingHourLimit({ perHour: 1, now: () => clock, sleep: async (ms) => void (waits.push(ms), (clock += ms)) });
    const { http } = testHttpClient({ rateLimiter: limit });
    await http.getJson(at('budget', () => ({ json: {} })));
    await http.getJson(at('budget', () => ({ json: {} })));
    expect(waits).toEqual([HOUR_MS]);
  });

  it('ends a wait for the budget on close(), with a retriable error', async () => {
    const limit = new RollingHourLimit({ perHour: 1 });
    const { http } = testHttpClient({ rateLimiter: limit });
    await http.getJson(at('closing', () => ({ json: {} })));
    const waiting = http.getJson(at('closing', () => ({ json: {} })));
    setTimeout(() => void http.close(), 50);
    await expect(waiting).rejects.toMatchObject({ retriable: true, message: expect.stringMatching(/^HTTP client closed while GET .* waited for the request budget$/) });
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    let arrived = 0;
    const waiting: ServerResponse[] = [];
    const total = 6;
    const server: Server = createServer((_req: IncomingMessage, res: ServerResponse) => {
      arrived++;
      inFlight++;
      most = Math.max(most, inFlight);
      waiting.push(res);
      // Answer the oldest once two are waiting, everything once the last has come: a third
      // request could only be in flight if the client broke its limit.
      const answer = arrived === total ? waiting.splice(0) : waiting.length >= 2 ? waiting.splice(0, 1) : [];
      for (const next of answer) {
        inFlight--;
        next.end('{}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const { http } = testHttpClient({ concurrency: 2 });
    try {
      await Promise.all(Array.from({ length: total }, () => http.getJson(url)));
      expect(most).toBe(2);
      expect(http.requestCount).toBe(total);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('close() aborts requests in flight and refuses new ones; twice is fine', async () => {
    const { http } = testHttpClient({ timeoutMs: 60_000 });
    let arrived = false;
    const pending = failureOf(http.getJson(at('held', () => ((arrived = true), hang()))));
    while (!arrived) await new Promise((resolve) => setImmediate(resolve));
    await Promise.all([http.close(), http.close()]);
    const failure = await pending;
    expect(failure).toBeInstanceOf(HttpError);
    expect(failure.retriable).toBe(false);
    await expect(http.getJson(at('held', () => hang()))).rejects.toThrow(/^HTTP client closed before GET /);
  });

  it('hides the API key in URLs it reports', () => {
    expect(redactUrl('https://api.example/rovers/x/photos?sol=1&api_key=abc123&page=2')).toBe('https://api.example/rovers/x/photos?sol=1&api_key=***&page=2');
  });
});
