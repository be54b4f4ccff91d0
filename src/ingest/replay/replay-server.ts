import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { MarsError } from '../../platform/errors.ts';
import { once } from '../../platform/lifecycle.ts';
import { sendJson } from '../../http/http-server.ts';
import { silentLogger, type Logger } from '../../platform/logger.ts';
import type { FaultResponse, ReplayFault } from './faults.ts';
import { itemsOf, ReplayFolder } from './replay-folder.ts';

export interface ReplayServerOptions {
  /** Folder(s) of recorded responses (layout in replay-folder.ts); the first folder wins. */
  dir: string | readonly string[];
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * Rewrite image URLs in served JSON (`img_src`, feed `image_files` and `url`) to
   * `<server>/images/<basename>` wherever the folder has `images/<basename>`, so recordings
   * whose images point at mars.nasa.gov play offline. Files on disk stay untouched. Default false.
   */
  serveImages?: boolean;
  /** Misbehaviour to put on (tests, `mars replay --fail-first`). */
  faults?: ReplayFault;
  logger?: Logger;
}

export interface ReplayServer {
  /** http://host:port, the root to set as NASA_API_BASE_URL, MARS_RAW_BASE_URL and MMGIS_BASE_URL. */
  url: string;
  /** Requests answered so far, faults included. */
  readonly requests: number;
  close(): Promise<void>;
}

const CLASSIC_PAGE_SIZE = 25;
const FEED_DEFAULT_PAGE_SIZE = 100;
const IMAGE_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};

/** A request the replay server answers with an HTTP error status and this message. */
class HttpProblem extends MarsError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message, `HTTP_${status}`, status === 429 || status >= 500);
  }
}

/**
 * Serves recorded NASA responses in the sources' own paths, under any prefix:
 *   GET …/rovers/<rover>/photos?sol=N[&page=P]     classic API (25 a page with `page`, all without)
 *   GET …/manifests/<rover>                         classic API manifest
 *   GET …/<M20|MSL>/Layers/json/<layer>.json        MMGIS layers
 *   GET …/rss/api/?feed=raw_images&category=mars2020&sol=N&num=K&page=P   Perseverance feed
 *   GET …/api/v1/raw_image_items/?per_page=K&page=P&condition_2=A:sol:gte&condition_3=B:sol:lte  Curiosity feed
 *   GET /images/<file>                              image files
 * `api_key` is accepted and ignored.
 */
export async function startReplayServer(options: ReplayServerOptions): Promise<ReplayServer> {
  const folder = new ReplayFolder(options.dir);
  const logger = (options.logger ?? silentLogger).child({ module: 'replay' });
  const hits = new Map<string, number>();
  let requests = 0;
  let baseUrl = '';

  const imageUrl = (original: unknown): unknown => {
    if (!options.serveImages || typeof original !== 'string') return original;
    const basename = path.posix.basename(original.split(/[?#]/)[0] ?? '');
    if (!basename || !folder.locate(path.join('images', basename))) return original;
    return `${baseUrl}/images/${encodeURIComponent(basename)}`;
  };
  const rewritePhoto = (photo: unknown) =>
    options.serveImages && isObject(photo) && 'img_src' in photo ? { ...photo, img_src: imageUrl(photo.img_src) } : photo;
  const rewriteMars2020 = (item: unknown) => {
    if (!options.serveImages || !isObject(item) || !isObject(item.image_files)) return item;
    const files = Object.fromEntries(Object.entries(item.image_files).map(([size, url]) => [size, imageUrl(url)]));
    return { ...item, image_files: files };
  };
  const rewriteMsl = (item: unknown) =>
    options.serveImages && isObject(item) ? { ...item, url: imageUrl(item.url), ...('https_url' in item ? { https_url: imageUrl(item.https_url) } : {}) } : item;

  const routes: Array<[RegExp, (match: RegExpExecArray, url: URL) => unknown]> = [
    [
      /(?:^|\/)rovers\/([a-z0-9_-]+)\/photos\/?$/i,
      (match, url) => {
        const rover = match[1]!.toLowerCase();
        const sol = intParam(url, 'sol');
        if (sol === undefined) throw new HttpProblem(400, 'expected a sol parameter, e.g. ?sol=0');
        const photos = itemsOf(folder.readJson(`photos/${rover}_sol${sol}.json`), 'photos');
        const page = intParam(url, 'page');
        const slice = page === undefined ? photos : photos.slice((Math.max(page, 1) - 1) * CLASSIC_PAGE_SIZE, Math.max(page, 1) * CLASSIC_PAGE_SIZE);
        return { photos: slice.map(rewritePhoto) };
      },
    ],
    [
      /(?:^|\/)manifests\/([a-z0-9_-]+)\/?$/i,
      (match) => {
        const manifest = folder.readJson(`manifests/manifest_${match[1]!.toLowerCase()}.json`);
        if (manifest === undefined) throw new HttpProblem(404, `no manifest recorded for ${match[1]}`);
        return manifest;
      },
    ],
    [
      /(?:^|\/)(M20|MSL)\/Layers\/json\/([A-Za-z0-9_-]+)\.json$/,
      (match) => {
        const layer = folder.readJson(`traverse/${match[2]}.json`);
        if (layer === undefined) throw new HttpProblem(404, `no layer ${match[2]} recorded`);
        return layer;
      },
    ],
    [
      /(?:^|\/)rss\/api\/?$/,
      (_match, url) => {
        if (url.searchParams.get('feed') !== 'raw_images' || url.searchParams.get('category') !== 'mars2020') {
          throw new HttpProblem(400, 'only feed=raw_images&category=mars2020 is recorded');
        }
        const sol = intParam(url, 'sol');
        if (sol === undefined) throw new HttpProblem(400, 'expected a sol parameter');
        const num = intParam(url, 'num') ?? FEED_DEFAULT_PAGE_SIZE;
        const page = intParam(url, 'page') ?? 0;
        const images = itemsOf(folder.readJson(`feeds/mars2020/sol${sol}.json`), 'images');
        return {
          images: images.slice(page * num, (page + 1) * num).map(rewriteMars2020),
          per_page: String(num),
          total_results: images.length,
          total_images: images.length,
          page,
          type: 'mars2020-raw-images',
        };
      },
    ],
    [
      /(?:^|\/)api\/v1\/raw_image_items\/?$/,
      (_match, url) => {
        // Conditions come as `value:field:operator`, e.g. condition_2=100:sol:gte.
        const solBound = (op: 'gte' | 'lte'): number | undefined => {
          for (const [key, value] of url.searchParams) {
            const m = /^(\d+):sol:(gte|lte)$/.exec(value);
            if (key.startsWith('condition_') && m && m[2] === op) return Number(m[1]);
          }
          return undefined;
        };
        const from = solBound('gte') ?? 0;
        const to = solBound('lte') ?? Number.MAX_SAFE_INTEGER;
        const perPage = intParam(url, 'per_page') ?? 25;
        const page = intParam(url, 'page') ?? 0;
        const sols = folder
          .list('feeds/msl')
          .map((name) => /^sol(\d+)\.json$/.exec(name))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => Number(m[1]))
          .filter((sol) => sol >= from && sol <= to)
          .sort((a, b) => b - a);
        const items = sols.flatMap((sol) => itemsOf(folder.readJson(`feeds/msl/sol${sol}.json`), 'items'));
        const slice = items.slice(page * perPage, (page + 1) * perPage);
        return { items: slice.map(rewriteMsl), more: (page + 1) * perPage < items.length, total: items.length, page, per_page: perPage };
      },
    ],
  ];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    requests++;
    const url = new URL(req.url ?? '/', 'http://replay');
    const hitKey = withoutApiKey(url);
    const seen = hits.get(hitKey) ?? 0;
    hits.set(hitKey, seen + 1);
    const fault = options.faults?.({ url, hits: seen });
    if (fault) return sendFault(res, fault);

    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { errors: 'only GET is served' });
    const image = /^\/images\/([^/]+)$/.exec(url.pathname);
    if (image) return sendImage(res, folder, decodeURIComponent(image[1]!));
    for (const [pattern, route] of routes) {
      const match = pattern.exec(url.pathname);
      if (match) return sendJson(res, 200, route(match, url));
    }
    if (url.pathname === '/') return sendJson(res, 200, { replay: folder.dirs.length, paths: PATHS });
    throw new HttpProblem(404, `nothing recorded at ${url.pathname}`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpProblem ? error.status : 500;
      if (status === 500) logger.error({ err: error, url: req.url }, 'replay request failed');
      if (!res.headersSent) sendJson(res, status, { errors: error instanceof Error ? error.message : String(error) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${host}:${address.port}`;
  logger.info({ url: baseUrl, dirs: folder.dirs }, 'replay server listening');

  return {
    url: baseUrl,
    get requests() {
      return requests;
    },
    close: once(async () => {
      // Hanging or endless responses must not keep close() waiting.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }),
  };
}

const PATHS = [
  '/rovers/<rover>/photos?sol=N[&page=P]',
  '/manifests/<rover>',
  '/<M20|MSL>/Layers/json/<M20|MSL>_<traverse|waypoints>.json',
  '/rss/api/?feed=raw_images&category=mars2020&feedtype=json&sol=N&num=K&page=P',
  '/api/v1/raw_image_items/?order=sol%20desc&per_page=K&page=P&condition_1=msl:mission&condition_2=A:sol:gte&condition_3=B:sol:lte',
  '/images/<file>',
];

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function intParam(url: URL, name: string): number | undefined {
  const value = url.searchParams.get(name);
  if (value === null || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new HttpProblem(400, `expected a whole number for ${name} but received "${value}"`);
  return Number(value);
}

function withoutApiKey(url: URL): string {
  const params = new URLSearchParams(url.search);
  params.delete('api_key');
  return `${url.pathname}?${params}`;
}

function sendImage(res: ServerResponse, folder: ReplayFolder, name: string): void {
  const file = name.includes('..') ? null : folder.locate(path.join('images', path.basename(name)));
  if (!file) return sendJson(res, 404, { errors: `no image ${name}` });
  res.writeHead(200, {
    'content-type': IMAGE_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': statSync(file).size,
  });
  createReadStream(file).pipe(res);
}

function sendFault(res: ServerResponse, fault: FaultResponse): void {
  if (fault.hang) return;
  const status = fault.status ?? 200;
  if (fault.endlessChunk) {
    const chunk = fault.endlessChunk;
    res.writeHead(status, { 'content-type': 'application/json', ...fault.headers });
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
    };
    res.on('drain', pump);
    res.on('close', () => res.off('drain', pump));
    pump();
    return;
  }
  const body = fault.body !== undefined ? Buffer.from(fault.body) : Buffer.from(JSON.stringify(fault.json ?? {}));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length, ...fault.headers });
  res.end(body);
}
