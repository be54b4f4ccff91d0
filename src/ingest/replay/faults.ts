import { expected } from '../../platform/errors.ts';

/**
 * Misbehaviour a replay server can put on, to show that ingestion survives real servers:
 * rate limiting, errors, HTML pages, broken or endless bodies, pagers that never end.
 */
export interface FaultResponse {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  /** A JSON value to send instead of the recording. */
  json?: unknown;
  /** Raw bytes to send instead of the recording (takes precedence over `json`). */
  body?: string | Buffer;
  /** Send this chunk again and again until the client hangs up: a body that never ends. */
  endlessChunk?: Buffer;
  /** Accept the request and never answer. */
  hang?: boolean;
}

export interface FaultContext {
  url: URL;
  /** How many times this URL (api_key aside) was asked for before this request. */
  hits: number;
}

/** Decides per request: a fault, or undefined to answer from the recording. */
export type ReplayFault = (request: FaultContext) => FaultResponse | undefined;

/** 429 Too Many Requests with a Retry-After header (seconds or an HTTP date). */
export function rateLimited(retryAfter = '0'): FaultResponse {
  return { status: 429, headers: { 'retry-after': retryAfter }, json: { error: { code: 'OVER_RATE_LIMIT', message: 'rate limit exceeded' } } };
}

export function serverError(status = 500): FaultResponse {
  return { status, json: { error: 'internal server error' } };
}

/** The kind of page a proxy or a maintenance window sends instead of JSON. */
export function htmlPage(status = 200): FaultResponse {
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: '<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body><h1>Maintenance</h1></body></html>',
  };
}

/** JSON cut off in the middle. */
export function malformedJson(): FaultResponse {
  return { body: '{"photos":[{"id":102693,"sol":1,"camera":{"id":' };
}

/** A body with no end (64 KiB chunks until the client stops reading). */
export function endlessBody(): FaultResponse {
  return { endlessChunk: Buffer.alloc(64 * 1024, 0x20) };
}

export function hang(): FaultResponse {
  return { hang: true };
}

/**
 * Each URL first answers with `sequence[0]`, then `sequence[1]`, …, then from the recording:
 * e.g. `failFirst([rateLimited('1'), serverError()])` is 429, then 500, then 200 for every URL.
 */
export function failFirst(sequence: readonly FaultResponse[]): ReplayFault {
  return ({ hits }) => sequence[hits];
}

/** Applies `fault` only to URLs whose path and query match `pattern`. */
export function onUrls(pattern: RegExp, fault: ReplayFault): ReplayFault {
  return (request) => (pattern.test(`${request.url.pathname}${request.url.search}`) ? fault(request) : undefined);
}

/**
 * A photos endpoint that always answers a full page: with `repeat`, the same 25 photos on every
 * page (a server ignoring `page`); without, new photos on every page (a pager with no end).
 */
export function neverEndingPager(options: { repeat: boolean }): ReplayFault {
  return ({ url }) => {
    if (!/\/photos$/.test(url.pathname)) return undefined;
    const sol = Number(url.searchParams.get('sol') ?? 0);
    const page = options.repeat ? 1 : Number(url.searchParams.get('page') ?? 1);
    const photos = Array.from({ length: 25 }, (_, i) => ({ id: page * 1000 + i, sol }));
    return { json: { photos } };
  };
}

/** Parses the `--fail-first` flag of `mars replay`: "429,500" or "429:2,503". */
export function parseFailFirst(spec: string): ReplayFault {
  const sequence = spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [code, retryAfter] = part.split(':');
      const status = Number(code);
      if (!Number.isInteger(status) || status < 400 || status > 599) {
        throw new RangeError(expected('HTTP error statuses like 429,500', '--fail-first', spec));
      }
      return status === 429 ? rateLimited(retryAfter ?? '1') : serverError(status);
    });
  return failFirst(sequence);
}
