import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { DownloadRefused, downloadImage } from '../../src/media/safe-download.ts';
import { decompressionBombPng, serveBytes, startImageServer } from '../support/media/image-server.ts';

describe('downloadImage', () => {
  let server: Awaited<ReturnType<typeof startImageServer>>;
  let png: Buffer;
  const limits = { allowedHosts: ['127.0.0.1'], maxBytes: 50_000, timeoutMs: 1000, attempts: 3, baseDelayMs: 1 };
  const refusal = (url: string, over = {}) =>
    downloadImage(url, { ...limits, ...over }).then(
      () => null,
      (e: unknown) => (e instanceof DownloadRefused ? { reason: e.reason, message: e.message } : { reason: 'other', message: String(e) }),
    );

  beforeAll(async () => {
    server = await startImageServer();
    png = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 120, g: 90, b: 60 } } }).png().toBuffer();
    server.routes.set('/ok.png', serveBytes(png, 'application/octet-stream'));
    let flaky = 0;
    server.routes.set('/flaky.png', (req, res) => (++flaky < 2 ? res.writeHead(503).end() : serveBytes(png)(req, res)));
    let limited = 0;
    server.routes.set('/limited.png', (req, res) => (++limited < 2 ? res.writeHead(429, { 'retry-after': '0' }).end() : serveBytes(png)(req, res)));
    server.routes.set('/hop1', (_req, res) => res.writeHead(302, { location: '/hop2' }).end());
    server.routes.set('/hop2', (_req, res) => res.writeHead(307, { location: '/ok.png' }).end());
    server.routes.set('/loop', (_req, res) => res.writeHead(302, { location: '/loop' }).end());
    server.routes.set('/silent.png', () => undefined);
    server.routes.set('/bomb.png', serveBytes(decompressionBombPng(50_000, 50_000), 'image/png'));
  });
  afterAll(() => server.close());

  it('downloads an image and judges its type from the bytes, not the header', async () => {
    const image = await downloadImage(`${server.base}/ok.png`, limits);
    expect(image).toMatchObject({ type: { format: 'png', ext: 'png', contentType: 'image/png' }, width: 64, height: 48, finalUrl: `${server.base}/ok.png` });
    expect(image.body.equals(png)).toBe(true);
  });

  it('follows redirects between allowed hosts and reports where the bytes came from', async () => {
    const image = await downloadImage(`${server.base}/hop1`, limits);
    expect(image.finalUrl).toBe(`${server.base}/ok.png`);
  });

  it('retries 5xx and 429 (honouring Retry-After), not 404', async () => {
    await downloadImage(`${server.base}/flaky.png`, limits);
    expect(server.hits.get('/flaky.png')).toBe(2);
    await downloadImage(`${server.base}/limited.png`, limits);
    expect(server.hits.get('/limited.png')).toBe(2);
    expect(await refusal(`${server.base}/missing.png`)).toEqual({ reason: 'http-error', message: `HTTP 404 from 127.0.0.1:${server.port}` });
    expect(server.hits.get('/missing.png')).toBe(1);
  });

  it('refuses hosts, schemes, redirect loops, slow answers and bombs, each with its reason', async () => {
    expect(await refusal('http://mars.example.invalid/a.jpg')).toEqual({
      reason: 'host-not-allowed',
      message: 'host mars.example.invalid is not in DOWNLOAD_ALLOWED_HOSTS (127.0.0.1)',
    });
    expect((await refusal('file:///etc/passwd'))?.reason).toBe('host-not-allowed');
    expect(await refusal(`${server.base}/loop`, { maxRedirects: 3 })).toEqual({ reason: 'download-failed', message: 'more than 3 redirects' });
    expect(await refusal(`${server.base}/silent.png`, { timeoutMs: 150, attempts: 2 })).toEqual({ reason: 'timeout', message: 'no complete answer within 150 ms' });
    expect(server.hits.get('/silent.png')).toBe(2);
    expect(await refusal(`${server.base}/bomb.png`, { maxPixels: 1_000_000 })).toEqual({
      reason: 'too-many-pixels',
      message: 'the image declares 50000x50000 pixels, over the 1000000-pixel limit',
    });
  });
});
