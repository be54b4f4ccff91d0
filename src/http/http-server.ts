import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { errorMessage } from '../platform/errors.ts';
import { once, type Service } from '../platform/lifecycle.ts';
import type { Logger } from '../platform/logger.ts';

/** Handles a request it recognises and answers true; answers false to let the next one try. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
export type ExactHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

export interface HttpServerOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1; 0.0.0.0 in containers. */
  host?: string;
  logger: Logger;
}

/**
 * The service's one HTTP server: health, readiness, metrics and the query API as exact routes,
 * and mounted handlers (the gallery) tried in order for everything else. Routes may be added
 * before or after start.
 */
export class HttpServer implements Service {
  readonly name = 'http';
  private readonly server: Server;
  private readonly exact = new Map<string, ExactHandler>();
  private readonly mounted: RouteHandler[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly logger: Logger;

  constructor(private readonly options: HttpServerOptions) {
    this.logger = options.logger.child({ module: 'http' });
    this.server = createServer((req, res) => void this.dispatch(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** An exact method + path route, e.g. `route('GET', '/healthz', ...)`. */
  route(method: string, path: string, handler: ExactHandler): this {
    this.exact.set(`${method.toUpperCase()} ${path}`, handler);
    return this;
  }

  /** A handler tried, in mounting order, for requests no exact route took. */
  mount(handler: RouteHandler): this {
    this.mounted.push(handler);
    return this;
  }

  get port(): number {
    const address = this.server.address() as AddressInfo | null;
    if (!address) throw new Error('the HTTP server is not listening');
    return address.port;
  }

  get url(): string {
    const host = this.options.host && this.options.host !== '0.0.0.0' ? this.options.host : '127.0.0.1';
    return `http://${host}:${this.port}`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.logger.info({ url: this.url }, 'HTTP server listening');
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req);
    // A request target no URL parser accepts (`GET http://[ HTTP/1.1`): refused, never thrown out of here.
    if (!url) return sendJson(res, 400, { error: 'the request target is not a valid URL' });
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    try {
      const exact = this.exact.get(`${method} ${url.pathname}`);
      if (exact) {
        await exact(req, res, url);
        return;
      }
      for (const handler of this.mounted) {
        if (await handler(req, res)) return;
      }
      sendJson(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
    } catch (error) {
      this.logger.error({ path: url.pathname, error: errorMessage(error) }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: errorMessage(error) });
      else res.destroy();
    }
  }

  /** Stops accepting connections, lets requests in progress end, then drops idle keep-alives. */
  close = once(async () => {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    // Long-lived responses (event streams) would hold the close forever: end them after a grace period.
    const grace = setTimeout(() => {
      for (const socket of this.sockets) socket.destroy();
    }, 2000);
    await closed;
    clearTimeout(grace);
  });

  describe(): Record<string, unknown> {
    return { url: this.server.listening ? this.url : null, routes: [...this.exact.keys()], mounted: this.mounted.length };
  }
}

/**
 * Answers with a JSON body; `headers` adds to (or overrides) the JSON ones. `nosniff` always: an
 * answer that echoes what the client sent (a path, a request id) is never read as HTML.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

/** The request's URL, or null when its target does not parse (any client can send one). */
export function requestUrl(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://service.invalid');
  } catch {
    return null;
  }
}

/** Reads a request body up to a limit; a larger body is refused rather than buffered. */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new RangeError(`request body over ${limitBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
