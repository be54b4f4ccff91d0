import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface ApiGuardOptions {
  /** The address the service listens on. */
  host: string;
  /** SERVICE_API_TOKEN, when set. */
  token?: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Who may use the warehouse API. A DuckDB query can read files on the host, so the API answers
 * anyone only on a loopback address; anywhere else it needs `Authorization: Bearer <token>`.
 * Returns null when the request may go on, else the reason to refuse it.
 */
export function apiGuard(options: ApiGuardOptions): (req: IncomingMessage) => string | null {
  return (req) => {
    const header = req.headers.authorization ?? '';
    if (options.token) {
      const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
      return sameToken(given, options.token) ? null : 'missing or wrong bearer token (SERVICE_API_TOKEN)';
    }
    if (LOOPBACK.test(options.host)) return null;
    return `the warehouse API is closed on ${options.host}: set SERVICE_API_TOKEN to open it to token holders`;
  };
}

/** The header a client sends when it has a token. */
export function authorizationHeader(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
