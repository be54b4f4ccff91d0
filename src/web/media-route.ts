import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../platform/logger.ts';
import type { ObjectStore } from '../platform/object-store/object-store.ts';
import { parseRange } from './byte-range.ts';

/** The only prefixes the gallery serves: videos and their pictures, and cached NASA originals. */
export const SERVED_PREFIXES = ['timelapses/', 'images/'] as const;

const contentTypes: Record<string, string> = {
  mp4: 'video/mp4',
  webm: 'video/webm',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  json: 'application/json',
};

/** Whether a key is one the gallery may serve: under a served prefix, no dot segments, no oddities. */
export function isServableKey(key: string): boolean {
  if (!SERVED_PREFIXES.some((prefix) => key.startsWith(prefix))) return false;
  if (key.length > 1024 || /[\u0000-\u001f\\]/.test(key)) return false;
  return key.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** The URL path under which the gallery serves an object key. */
export function mediaPath(key: string): string {
  return `/media/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * GET/HEAD /media/<key>: streams an object from the store, honouring a single byte range
 * (206 + Content-Range), so the browser's player can seek without fetching the whole video.
 */
export async function serveMedia(
  req: IncomingMessage,
  res: ServerResponse,
  encodedKey: string,
  deps: { store: ObjectStore; logger: Logger },
): Promise<void> {
  let key: string;
  try {
    key = encodedKey.split('/').map(decodeURIComponent).join('/');
  } catch {
    return plain(res, 400, 'bad object key');
  }
  if (!isServableKey(key)) return plain(res, 404, 'not found');
  const info = await deps.store.stat(key);
  if (!info) return plain(res, 404, 'not found');

  const extension = key.split('.').pop()?.toLowerCase() ?? '';
  const type = contentTypes[extension] ?? 'application/octet-stream';
  const etag = `"${info.etag}"`;
  const headers: Record<string, string | number> = {
    'Content-Type': type,
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'Last-Modified': info.lastModified.toUTCString(),
    // Published keys never change once written (write-then-copy), so caches may keep them.
    'Cache-Control': 'public, max-age=3600',
    'X-Content-Type-Options': 'nosniff',
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end();
    return;
  }

  const range = parseRange(req.headers.range, info.size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${info.size}`, 'Content-Length': 0 }).end();
    return;
  }
  const length = range ? range.end - range.start + 1 : info.size;
  const status = range ? 206 : 200;
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${info.size}`;
  headers['Content-Length'] = length;
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  const body = await deps.store.getStream(key, range ? { offset: range.start, length } : undefined);
  try {
    await pipeline(body, res);
  } catch (error) {
    // A player that seeks abandons its previous request mid-body: normal, so only a debug line.
    deps.logger.debug({ err: error, key }, 'media stream ended early');
  }
}

function plain(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(message) }).end(message);
}
