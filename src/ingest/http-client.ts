import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import type { Config } from '../platform/config.ts';
import { expected, formatIssues } from '../platform/errors.ts';
import { once } from '../platform/lifecycle.ts';
import { silentLogger, type Logger } from '../platform/logger.ts';
import { backoffDelay } from '../platform/retry.ts';
import { ConcurrencyLimit } from './http/concurrency-limit.ts';
import { HttpError } from './http/http-errors.ts';
import { readCapped } from '../http/read-capped.ts';
import { parseRetryAfter } from '../http/retry-after.ts';
import { processRateLimit, type RateLimiter } from './http/rolling-hour-limit.ts';

export { HttpError, isHttpError } from './http/http-errors.ts';

/** Zod issues named in one ingest message: enough to see what is wrong, short enough for a log line. */
export const ISSUES_SHOWN = 5;

export interface HttpClientOptions {
  /** Limit on one attempt, headers and body included. Default 30 000 ms. */
  timeoutMs?: number;
  /** Further attempts after the first, on 429, 5xx, timeouts and dropped connections. Default 4. */
  retries?: number;
  /**
   * Most requests in any rolling hour, shared by every client of this process with the same budget.
   * Default 1000 (what the classic API allowed per key). Ignored when `rateLimiter` is given.
   */
  rateLimitPerHour?: number;
  /** A limiter of your own: a RollingHourLimit for tests, or one shared across processes (Redis). */
  rateLimiter?: RateLimiter;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** Largest body read; reading stops there and the request fails. Default 64 MiB. */
  maxResponseBytes?: number;
  /** First backoff delay, doubled per attempt, with full jitter. Default 500 ms. */
  baseDelayMs?: number;
  /** Cap on one backoff delay. Default 30 s. */
  maxDelayMs?: number;
  /**
   * Longest Retry-After honoured in-process. A longer ask fails with a retriable error carrying
   * the wait, so a queue can come back later instead of holding a worker. Default 5 minutes.
   */
  maxRetryAfterMs?: number;
  /** Default: a silent logger. */
  logger?: Logger;
  /** How to wait between attempts. Default: timers/promises setTimeout, cut short by close(). */
  sleep?: (ms: number) => Promise<unknown>;
  /** Default: `mars-timelapse`. */
  userAgent?: string;
}

/** Counts the HTTP requests (attempts included) made on behalf of one caller, and what held them up. */
export interface RequestTally {
  requests: number;
  /** Attempts after the first of a URL. */
  retries?: number;
  /** Waits for the rate limit: the request budget's token was not there (over 250 ms) or the server answered 429. */
  rateLimitWaits?: number;
  /** Milliseconds spent in those waits (a 429's own backoff included). */
  rateLimitWaitMs?: number;
}

/** A token that takes longer than this was waited for; quicker is just the shared bucket's round trip. */
const BUDGET_WAIT_MS = 250;

function countWait(tally: RequestTally | undefined, ms: number): void {
  if (!tally) return;
  tally.rateLimitWaits = (tally.rateLimitWaits ?? 0) + 1;
  tally.rateLimitWaitMs = (tally.rateLimitWaitMs ?? 0) + Math.round(ms);
}

export interface GetJsonOptions {
  tally?: RequestTally;
}

const DEFAULTS = {
  timeoutMs: 30_000,
  retries: 4,
  rateLimitPerHour: 1000,
  concurrency: 4,
  maxResponseBytes: 64 * 1024 * 1024,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 5 * 60_000,
  userAgent: 'mars-timelapse',
} as const;

/** Hides the API key in URLs that end up in logs, errors and raw envelopes. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]api_key=)[^&#]*/gi, '$1***');
}

/**
 * The one HTTP client for every NASA source: a process-wide rolling-hour budget, a concurrency limit,
 * a timeout per attempt, a cap on the body, and retries with exponential backoff and jitter on
 * 429 and 5xx that honour Retry-After. Failures come out as `HttpError`s whose message says what
 * went wrong and where.
 */
export class HttpClient {
  private readonly options: Required<Omit<HttpClientOptions, 'rateLimiter' | 'logger' | 'sleep'>>;
  private readonly bucket: RateLimiter;
  private readonly limit: ConcurrencyLimit;
  private readonly logger: Logger;
  private readonly sleep: (ms: number) => Promise<unknown>;
  private readonly closing = new AbortController();
  private made = 0;

  constructor(options: HttpClientOptions = {}) {
    this.options = {
      timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
      retries: options.retries ?? DEFAULTS.retries,
      rateLimitPerHour: options.rateLimitPerHour ?? DEFAULTS.rateLimitPerHour,
      concurrency: options.concurrency ?? DEFAULTS.concurrency,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULTS.maxResponseBytes,
      baseDelayMs: options.baseDelayMs ?? DEFAULTS.baseDelayMs,
      maxDelayMs: options.maxDelayMs ?? DEFAULTS.maxDelayMs,
      maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs,
      userAgent: options.userAgent ?? DEFAULTS.userAgent,
    };
    for (const key of ['timeoutMs', 'maxResponseBytes'] as const) {
      const value = this.options[key];
      if (!Number.isInteger(value) || value < 1) {
        throw new RangeError(expected('a positive integer', `${key}`, value));
      }
    }
    if (!Number.isInteger(this.options.retries) || this.options.retries < 0) {
      throw new RangeError(expected('a non-negative integer', 'retries', this.options.retries));
    }
    this.bucket = options.rateLimiter ?? processRateLimit(this.options.rateLimitPerHour);
    this.limit = new ConcurrencyLimit(this.options.concurrency);
    this.logger = (options.logger ?? silentLogger).child({ module: 'http-client' });
    this.sleep = options.sleep ?? ((ms) => sleep(ms, undefined, { signal: this.closing.signal }));
  }

  /** A client set up from the configuration (HTTP_*, NASA_RATE_LIMIT_PER_HOUR). */
  static fromConfig(config: Config, logger?: Logger): HttpClient {
    return new HttpClient({
      timeoutMs: config.http.timeoutMs,
      concurrency: config.http.concurrency,
      maxResponseBytes: config.http.maxResponseBytes,
      rateLimitPerHour: config.nasa.rateLimitPerHour,
      logger,
    });
  }

  /** HTTP requests made so far by this client, retries included. */
  get requestCount(): number {
    return this.made;
  }

  /**
   * GETs a URL and returns its JSON, checked against `schema` when one is given. Retries what
   * may pass (429, 5xx, timeouts, dropped connections); throws an HttpError for the rest.
   */
  async getJson<T = unknown>(url: string, schema?: z.ZodType<T>, options: GetJsonOptions = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (this.closing.signal.aborted) throw new HttpError(`HTTP client closed before GET ${redactUrl(url)}`, 'HTTP_NETWORK', redactUrl(url));
      try {
        const body = await this.limit.run(() => this.attempt(url, options.tally));
        return parseJsonBody(url, body, schema);
      } catch (error) {
        if (!(error instanceof HttpError) || !error.retriable || this.closing.signal.aborted) throw error;
        if (attempt > this.options.retries) {
          throw new HttpError(`${error.message} (gave up after ${attempt} attempts)`, error.code, error.url, {
            retriable: true,
            status: error.status,
            retryAfterMs: error.retryAfterMs,
            cause: error,
          });
        }
        const requested = error.retryAfterMs;
        if (requested !== undefined && requested > this.options.maxRetryAfterMs) {
          throw new HttpError(
            `${error.message}; the server asked to wait ${Math.ceil(requested / 1000)} s, longer than the ${Math.ceil(this.options.maxRetryAfterMs / 1000)} s this client waits`,
            'HTTP_RETRY_AFTER_TOO_LONG',
            error.url,
            { retriable: true, status: error.status, retryAfterMs: requested, cause: error },
          );
        }
        const delayMs = requested ?? backoffDelay(attempt, this.options.baseDelayMs, this.options.maxDelayMs);
        this.logger.warn({ url: error.url, attempt, delayMs, reason: error.message }, 'request failed, retrying');
        if (options.tally) options.tally.retries = (options.tally.retries ?? 0) + 1;
        if (error.status === 429) countWait(options.tally, delayMs);
        await this.sleep(delayMs);
      }
    }
  }

  /** One request: its place in the budget, a slot, a timeout; returns the body as text when the status is 2xx. */
  private async attempt(url: string, tally: RequestTally | undefined): Promise<{ text: string; contentType: string; status: number }> {
    const waitStarted = performance.now();
    try {
      // close() ends the wait, which can last up to an hour once the budget is spent.
      await this.bucket.take(this.closing.signal);
    } catch (error) {
      if (!this.closing.signal.aborted) throw error;
      throw new HttpError(`HTTP client closed while GET ${redactUrl(url)} waited for the request budget`, 'HTTP_NETWORK', redactUrl(url), { retriable: true, cause: error });
    }
    const waited = performance.now() - waitStarted;
    if (waited > BUDGET_WAIT_MS) countWait(tally, waited);
    this.made++;
    if (tally) tally.requests++;
    const shown = redactUrl(url);
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = AbortSignal.any([timeout, this.closing.signal]);
    const failed = (error: unknown): HttpError => {
      if (timeout.aborted) {
        return new HttpError(`GET ${shown} timed out after ${this.options.timeoutMs} ms`, 'HTTP_TIMEOUT', shown, { retriable: true, cause: error });
      }
      if (error instanceof HttpError) return error;
      const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      return new HttpError(`GET ${shown} failed: ${reason}`, 'HTTP_NETWORK', shown, { retriable: !this.closing.signal.aborted, cause: error });
    };

    let response: Response;
    try {
      response = await fetch(url, {
        signal,
        headers: { accept: 'application/json', 'user-agent': this.options.userAgent },
      });
    } catch (error) {
      throw failed(error);
    }
    try {
      const contentType = response.headers.get('content-type') ?? '';
      if (!response.ok) {
        const snippet = describeBody(await readCapped(response, 2048).then((body) => body.toString('utf8'), () => ''), contentType);
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        const retriable = response.status === 429 || response.status >= 500;
        throw new HttpError(
          `HTTP ${response.status} ${response.statusText || ''}`.trimEnd() + ` from ${shown}${snippet ? `: ${snippet}` : ''}`,
          'HTTP_STATUS',
          shown,
          { retriable, status: response.status, retryAfterMs: retriable ? retryAfterMs : undefined },
        );
      }
      const body = await readCapped(response, this.options.maxResponseBytes, (declared) =>
        tooLarge(shown, this.options.maxResponseBytes, declared === undefined ? 'stopped reading there' : `it declares ${declared} bytes`),
      );
      const text = body.toString('utf8');
      return { text, contentType, status: response.status };
    } catch (error) {
      await response.body?.cancel().catch(() => undefined);
      throw failed(error);
    }
  }

  /** Aborts requests in flight and refuses new ones; safe to call twice. */
  close = once(async () => {
    this.closing.abort(new Error('HTTP client closed'));
  });
}

function tooLarge(url: string, cap: number, detail: string): HttpError {
  return new HttpError(`response from ${url} is larger than the ${cap}-byte cap (${detail})`, 'HTTP_TOO_LARGE', url);
}

function looksLikeHtml(text: string, contentType: string): boolean {
  return /html/i.test(contentType) || /^\s*</.test(text);
}

/** A short, one-line description of an error body for messages. */
function describeBody(text: string, contentType: string): string {
  if (looksLikeHtml(text, contentType)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
    return title ? `an HTML page titled "${title}"` : 'an HTML page';
  }
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function parseJsonBody<T>(url: string, body: { text: string; contentType: string; status: number }, schema?: z.ZodType<T>): T {
  const shown = redactUrl(url);
  if (looksLikeHtml(body.text, body.contentType)) {
    throw new HttpError(
      `expected JSON from ${shown} but received ${describeBody(body.text, body.contentType)} (HTTP ${body.status})`,
      'HTTP_NOT_JSON',
      shown,
      { status: body.status },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(body.text);
  } catch (error) {
    throw new HttpError(`malformed JSON from ${shown}: ${(error as Error).message}`, 'HTTP_BAD_JSON', shown, { status: body.status, cause: error });
  }
  if (!schema) return value as T;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new HttpError(`unexpected response shape from ${shown}: ${formatIssues(parsed.error.issues, ISSUES_SHOWN)}`, 'HTTP_BAD_SHAPE', shown, {
      status: body.status,
    });
  }
  return parsed.data;
}
