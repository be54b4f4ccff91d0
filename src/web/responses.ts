import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson as sendHttpJson } from '../http/http-server.ts';
import { errorMessage } from '../platform/errors.ts';

/** Headers of every page: everything is inline and same-origin, nothing may load from anywhere else. */
export const securityHeaders = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy':
    "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
};

export function sendHtml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { ...securityHeaders, 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) }).end(body);
}

/** The gallery's API answers are live state: never cached. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendHttpJson(res, status, value, { 'cache-control': 'no-store' });
}

export function sendText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { ...securityHeaders, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) }).end(body);
}

/**
 * A request's JSON object body, or null once an error is answered (415 unless JSON: plain
 * cross-site form posts cannot send that content type; 413 too large; 400 not an object).
 */
export async function readJsonObject(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<Record<string, unknown> | null> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    sendJson(res, 415, { error: 'send the body as application/json' });
    return null;
  }
  let text: string;
  try {
    text = await readBody(req, maxBytes);
  } catch (error) {
    sendJson(res, 413, { error: errorMessage(error) });
    return null;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    sendJson(res, 400, { error: `the body is not JSON: ${errorMessage(error)}` });
    return null;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    sendJson(res, 400, { error: 'expected a JSON object' });
    return null;
  }
  return body as Record<string, unknown>;
}

const SSE_HEARTBEAT_MS = 15_000;

export interface EventStream {
  /** Writes one `data:` event; nothing once the stream has ended. */
  send: (value: unknown) => void;
  /** Ends the stream (idempotent); the client hanging up ends it too. */
  end: () => void;
}

/**
 * Opens a Server-Sent Events answer: never cached nor buffered by a proxy, a retry hint, a
 * heartbeat comment so idle connections stay open, and `onEnd` run once when it ends either way.
 */
export function openEventStream(req: IncomingMessage, res: ServerResponse, onEnd: () => void = () => undefined): EventStream {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  let ended = false;
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), SSE_HEARTBEAT_MS);
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    onEnd();
    res.end();
  };
  req.on('close', end);
  return {
    send: (value) => {
      if (!ended) res.write(`data: ${JSON.stringify(value)}\n\n`);
    },
    end,
  };
}
