import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpServer, sendJson } from '../../src/http/http-server.ts';
import { silentLogger } from '../../src/platform/logger.ts';

/** Sends one raw HTTP/1.1 request and answers the status line. */
function rawRequest(port: number, requestLine: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${requestLine}\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.on('data', (chunk) => (text += chunk));
    socket.on('close', () => resolve(text.split('\r\n')[0]!));
    socket.on('error', reject);
  });
}

describe('the service HTTP server', () => {
  const server = new HttpServer({ logger: silentLogger }).route('GET', '/healthz', (_req, res) => sendJson(res, 200, { ok: true }));
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    await server.start();
  });
  afterAll(async () => {
    await server.close();
    process.off('unhandledRejection', onUnhandled);
  });

  it('answers 400 to a request target no URL parser accepts, and keeps serving', async () => {
    for (const line of ['GET http://[ HTTP/1.1', 'GET http://a:99999/ HTTP/1.1']) {
      expect(await rawRequest(server.port, line)).toBe('HTTP/1.1 400 Bad Request');
    }
    expect(unhandled).toEqual([]);
    expect(await rawRequest(server.port, 'GET /healthz HTTP/1.1')).toBe('HTTP/1.1 200 OK');
  });

  it('answers 404 for an unknown route with nosniff, since it echoes the path', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/%3Cimg%20src=x%3E`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.json()).toEqual({ error: 'no route for GET /%3Cimg%20src=x%3E' });
  });

  it('closes safely twice', async () => {
    const other = new HttpServer({ logger: silentLogger });
    await other.start();
    await Promise.all([other.close(), other.close()]);
    await other.close();
    expect(other.describe().url).toBeNull();
  });
});
