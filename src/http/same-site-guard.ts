import type { IncomingMessage } from 'node:http';

export interface Refusal {
  status: number;
  error: string;
}

export interface SameSiteGuardOptions {
  /** Host names accepted besides loopback ones (API_ALLOWED_HOSTS). */
  allowedHosts: readonly string[];
}

const LOOPBACK_NAME = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/;

/** The name part of a Host header (`[::1]:8080` → `[::1]`), lower-cased. */
function hostName(header: string): string {
  return header
    .trim()
    .toLowerCase()
    .replace(/:\d*$/, '');
}

/**
 * Refuses what a web page could make a browser send to an API on this machine: a Host that is
 * not ours (a DNS-rebinding page names its own host), a body that is not JSON (a plain form or
 * `text/plain` POST needs no CORS preflight; JSON does, and the API answers none) and a request
 * a browser marks as coming from another site (Origin, Sec-Fetch-Site). Null when it may go on.
 */
export function sameSiteGuard(options: SameSiteGuardOptions): (req: IncomingMessage) => Refusal | null {
  const extra = new Set(options.allowedHosts.map((name) => name.toLowerCase()));
  return (req) => {
    const host = hostName(req.headers.host ?? '');
    if (!LOOPBACK_NAME.test(host) && !extra.has(host)) {
      return { status: 421, error: 'the Host header names no host this API answers for (a loopback name or one in API_ALLOWED_HOSTS)' };
    }
    const fetchSite = req.headers['sec-fetch-site'];
    if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') {
      return { status: 403, error: 'cross-site browser requests are refused (Sec-Fetch-Site)' };
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !sameOrigin(origin, req.headers.host ?? '')) {
      return { status: 403, error: 'cross-origin browser requests are refused (Origin)' };
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') return { status: 415, error: 'send the body as content-type: application/json' };
    return null;
  };
}

function sameOrigin(origin: string, host: string): boolean {
  try {
    return new URL(origin).host.toLowerCase() === host.trim().toLowerCase();
  } catch {
    return false;
  }
}
