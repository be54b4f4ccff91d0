import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotEnoughFramesError, renderTimelapse, type RenderInput } from '../../src/media/render-timelapse.ts';
import { originalKey, timelapseKeys } from '../../src/timelapse/object-keys.ts';
import { probeVideo } from '../../src/media/probe-video.ts';
import { WorkerFramePool } from '../../src/media/frame-pool.ts';
import type { FrameCandidate } from '../../src/timelapse/frame-candidate.ts';
import { loadConfig, type Config } from '../../src/platform/config.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';
import { ensureLineageSchema, LineageStore } from '../../src/warehouse/lineage/lineage-store.ts';
import { startTestS3 } from '../support/s3.ts';
import { tempDir } from '../support/temp.ts';
import { decompressionBombPng, serveBytes, startImageServer } from '../support/media/image-server.ts';
import { panFrames } from '../support/media/sequence.ts';

const require = createRequire(import.meta.url);
const ffprobePath = (require('@ffprobe-installer/ffprobe') as { path: string }).path;

const FRAMES = 300;
const MAX_BYTES = 300_000;

describe('renderTimelapse', () => {
  let s3: Awaited<ReturnType<typeof startTestS3>>;
  let server: Awaited<ReturnType<typeof startImageServer>>;
  let warehouse: DuckDbWarehouse;
  let pool: WorkerFramePool;
  let config: Config;
  let cleanup: () => Promise<void>;
  let dir: string;
  let good: FrameCandidate[];
  let all: FrameCandidate[];

  const candidate = (imageId: string, imgSrc: string, sol = 100): FrameCandidate => ({
    imageId,
    rover: 'Perseverance',
    camera: 'MCZ_LEFT',
    sol,
    imgSrc,
    takenAt: '2021-04-19T10:00:00.000Z',
  });
  const input = (requestId: string, frames: FrameCandidate[], options: RenderInput['options'] = {}): RenderInput => ({
    requestId,
    rover: 'Perseverance',
    camera: 'MCZ_LEFT',
    solStart: 100,
    solEnd: 101,
    frames,
    options,
  });
  const deps = () => ({ store: s3.store, lineage: new LineageStore(warehouse), config, logger: silentLogger, pool });

  beforeAll(async () => {
    const tmp = await tempDir('mars-render');
    dir = tmp.dir;
    cleanup = tmp.cleanup;
    s3 = await startTestS3();
    server = await startImageServer();
    warehouse = await DuckDbWarehouse.open(path.join(dir, 'w.duckdb'));
    await ensureLineageSchema(warehouse);
    pool = new WorkerFramePool({ threads: 2 });
    config = loadConfig({
      DATA_DIR: dir,
      DOWNLOAD_ALLOWED_HOSTS: '127.0.0.1',
      HTTP_MAX_RESPONSE_BYTES: String(MAX_BYTES),
      HTTP_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'silent',
    });

    good = [];
    let i = 0;
    for await (const jpeg of panFrames(FRAMES, 320, 240)) {
      const id = `ZL0_${String(i).padStart(4, '0')}`;
      server.routes.set(`/img/${id}.jpg`, serveBytes(jpeg));
      good.push(candidate(id, `${server.base}/img/${id}.jpg`, 100 + (i >= FRAMES / 2 ? 1 : 0)));
      i++;
    }
    // Hostile answers, each refused for its own reason.
    server.routes.set('/redirect-out', (_req, res) => res.writeHead(302, { location: 'http://images.example.invalid/a.jpg' }).end());
    server.routes.set('/huge.jpg', serveBytes(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(MAX_BYTES)])));
    server.routes.set('/huge-chunked.jpg', (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      for (let n = 0; n < 8; n++) res.write(chunk);
      res.end();
    });
    server.routes.set('/html.jpg', serveBytes(Buffer.from('<!DOCTYPE html><html><body>Service Unavailable</body></html>'), 'image/jpeg'));
    server.routes.set('/bomb.png', serveBytes(decompressionBombPng(100_000, 100_000), 'image/png'));
    // A redirect to an allowed host is followed.
    server.routes.set('/redirect-in', (_req, res) => res.writeHead(301, { location: `/img/${good[7]!.imageId}.jpg` }).end());

    const hostile: Array<[number, FrameCandidate]> = [
      [10, candidate('H_DISALLOWED', 'http://images.example.invalid/x.jpg')],
      [50, candidate('H_REDIRECT_OUT', `${server.base}/redirect-out`)],
      [90, candidate('H_HUGE', `${server.base}/huge.jpg`)],
      [130, candidate('H_HUGE_CHUNKED', `${server.base}/huge-chunked.jpg`)],
      [170, candidate('H_HTML', `${server.base}/html.jpg`)],
      [210, candidate('H_BOMB', `${server.base}/bomb.png`)],
    ];
    all = [...good];
    for (const [at, c] of hostile.reverse()) all.splice(at, 0, c);
  });

  afterAll(async () => {
    await pool?.close();
    await warehouse?.close();
    await server?.close();
    await s3?.close();
    await cleanup?.();
  });

  it(`renders ${FRAMES} frames into a checked H.264 MP4 with poster, contact sheet, manifest and lineage, refusing each hostile download`, async () => {
    const stages = new Set<string>();
    const result = await renderTimelapse(input('req-main', all), { ...deps(), onProgress: (p) => stages.add(p.stage) });

    const keys = timelapseKeys({ rover: 'Perseverance', camera: 'MCZ_LEFT', solStart: 100, solEnd: 101, requestId: 'req-main' }, 'mp4');
    expect(result.keys).toEqual({ video: keys.video, poster: keys.poster, contact: keys.contact, manifest: keys.manifest });
    expect(result.keys.video).toBe('timelapses/perseverance/MCZ_LEFT/100-101/req-main/video.mp4');
    expect(result.framesAccepted).toBe(FRAMES);
    expect(result.framesRejected).toBe(6);
    expect(result.rejected).toEqual([
      { imageId: 'H_DISALLOWED', reason: 'host-not-allowed' },
      { imageId: 'H_REDIRECT_OUT', reason: 'redirect-host-not-allowed' },
      { imageId: 'H_HUGE', reason: 'too-large' },
      { imageId: 'H_HUGE_CHUNKED', reason: 'too-large' },
      { imageId: 'H_HTML', reason: 'not-an-image' },
      { imageId: 'H_BOMB', reason: 'too-many-pixels' },
    ]);
    expect(result.durationSeconds).toBeCloseTo(FRAMES / 10, 1);
    expect([...stages].sort()).toEqual(['analyse', 'download', 'encode', 'normalise', 'publish']);

    const local = path.join(dir, 'out.mp4');
    await s3.store.fGet(result.keys.video, local);
    const probe = await probeVideo(ffprobePath, local);
    expect(probe).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: 320, height: 240, frames: FRAMES });

    const poster = await s3.store.stat(result.keys.poster);
    const contact = await s3.store.stat(result.keys.contact);
    expect(poster?.size).toBeGreaterThan(1000);
    expect(contact?.size).toBeGreaterThan(10_000);
    const manifest = (await s3.store.getJson(result.keys.manifest)) as { frames: Array<{ imageId: string; accepted: boolean; frameIndex: number | null; reason: string | null; metrics: unknown }> };
    expect(manifest.frames).toHaveLength(all.length);
    expect(manifest.frames.filter((f) => f.accepted).map((f) => f.frameIndex)).toEqual(Array.from({ length: FRAMES }, (_, i) => i));
    expect(manifest.frames.find((f) => f.imageId === 'H_BOMB')).toMatchObject({ accepted: false, frameIndex: null, reason: 'too-many-pixels', metrics: null });

    const lineage = new LineageStore(warehouse);
    const run = await lineage.getRun('req-main');
    expect(run).toMatchObject({ status: 'completed', framesTotal: all.length, framesAccepted: FRAMES, videoKey: result.keys.video, manifestKey: result.keys.manifest, error: null });
    const frames = await lineage.getFrames('req-main');
    expect(frames).toHaveLength(all.length);
    expect(frames.filter((f) => f.accepted)).toHaveLength(FRAMES);
    expect(frames.find((f) => f.imageId === 'H_REDIRECT_OUT')).toMatchObject({ accepted: false, reason: 'redirect-host-not-allowed', frameIndex: null, objectKey: null });
    expect(frames.find((f) => f.imageId === 'ZL0_0000')).toMatchObject({ accepted: true, frameIndex: 0, objectKey: 'images/perseverance/MCZ_LEFT/100/ZL0_0000.jpg' });
    const assets = await warehouse.query<{ n: number }>('SELECT count(*) AS n FROM MARS_LINEAGE.IMAGE_ASSETS');
    expect(assets).toEqual([{ n: FRAMES }]);

    // Nothing left behind under staging keys.
    const staged: string[] = [];
    for await (const item of s3.store.list('tmp/')) staged.push(item.key);
    expect(staged).toEqual([]);
  });

  it('renders the same frames again for another request without downloading anything', async () => {
    const before = server.totalHits();
    const result = await renderTimelapse(input('req-again', good.slice(0, 40)), deps());
    expect(result.framesAccepted).toBe(40);
    expect(server.totalHits()).toBe(before);
  });

  it('measures frames read from the cache exactly as it measured them downloaded', async () => {
    const lineage = new LineageStore(warehouse);
    const downloaded = new Map((await lineage.getFrames('req-main')).map((f) => [f.imageId, f.metrics]));
    const cached = await lineage.getFrames('req-again');
    expect(cached).toHaveLength(40);
    for (const frame of cached) expect(frame.metrics).toEqual(downloaded.get(frame.imageId));
  });

  it('returns the recorded result for a completed request id without rendering', async () => {
    const before = await s3.store.stat(timelapseKeys({ rover: 'Perseverance', camera: 'MCZ_LEFT', solStart: 100, solEnd: 101, requestId: 'req-again' }, 'mp4').video);
    const stages: string[] = [];
    const result = await renderTimelapse(input('req-again', good.slice(0, 40)), { ...deps(), onProgress: (p) => stages.push(p.stage) });
    expect(result.framesAccepted).toBe(40);
    expect(stages).toEqual([]);
    const after = await s3.store.stat(result.keys.video);
    expect(after?.lastModified.getTime()).toBe(before?.lastModified.getTime());
    expect(await warehouse.query<{ n: number }>("SELECT count(*) AS n FROM MARS_LINEAGE.RENDER_RUNS WHERE request_id = 'req-again'")).toEqual([{ n: 1 }]);
  });

  it('fails with a non-retriable error when fewer than 2 frames survive, and records the decisions', async () => {
    const frames = [good[0]!, candidate('H_HTML_2', `${server.base}/html.jpg`), candidate('H_BOMB_2', `${server.base}/bomb.png`)];
    const error = await renderTimelapse(input('req-few', frames), deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotEnoughFramesError);
    expect((error as NotEnoughFramesError).retriable).toBe(false);
    expect((error as Error).message).toBe(
      'only 1 of 3 candidate frames passed the download and quality checks (rejected: not-an-image 1, too-many-pixels 1); a timelapse needs at least 2',
    );
    const lineage = new LineageStore(warehouse);
    expect(await lineage.getRun('req-few')).toMatchObject({ status: 'failed', framesAccepted: 1, videoKey: null, error: (error as Error).message });
    expect((await lineage.getFrames('req-few')).map((f) => [f.imageId, f.accepted, f.reason])).toEqual([
      ['ZL0_0000', true, null],
      ['H_HTML_2', false, 'not-an-image'],
      ['H_BOMB_2', false, 'too-many-pixels'],
    ]);
    const published: string[] = [];
    for await (const item of s3.store.list('timelapses/perseverance/MCZ_LEFT/100-101/req-few/')) published.push(item.key);
    expect(published).toEqual([]);
  });

  it('leaves nothing published when a render dies mid-encode, and a re-run completes once', async () => {
    const frames = good.slice(0, 60);
    const controller = new AbortController();
    const error = await renderTimelapse(input('req-crash', frames, { levelBrightness: true }), {
      ...deps(),
      signal: controller.signal,
      onProgress: (p) => {
        if (p.stage === 'encode' && p.done >= 20) controller.abort(new Error('worker killed'));
      },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('worker killed');
    const prefix = 'timelapses/perseverance/MCZ_LEFT/100-101/req-crash/';
    const list = async () => {
      const keys: string[] = [];
      for await (const item of s3.store.list(prefix)) keys.push(item.key);
      return keys.sort();
    };
    expect(await list()).toEqual([]);
    expect((await new LineageStore(warehouse).getRun('req-crash'))?.status).toBe('failed');

    const result = await renderTimelapse(input('req-crash', frames, { levelBrightness: true }), deps());
    expect(result.framesAccepted).toBe(60);
    const manifest = (await s3.store.getJson(result.keys.manifest)) as { output: { levelling: string; frameInput: string } };
    expect(manifest.output).toMatchObject({ levelling: 'ffmpeg deflicker, median of 25 frames', frameInput: 'original mjpeg files, normalised by ffmpeg' });
    expect(await list()).toEqual([`${prefix}contact.jpg`, `${prefix}manifest.json`, `${prefix}poster.jpg`, `${prefix}video.mp4`]);
    expect(await warehouse.query<{ n: number; status: string }>("SELECT count(*) AS n, max(status) AS status FROM MARS_LINEAGE.RENDER_RUNS WHERE request_id = 'req-crash'")).toEqual([
      { n: 1, status: 'completed' },
    ]);
  });

  it('judges the first cached originals while later ones are still being fetched', async () => {
    const frames = good.slice(200, 230);
    const last = originalKey(frames.at(-1)!, 'jpg');
    let analysed!: () => void;
    const firstAnalysed = new Promise<void>((resolve) => (analysed = resolve));
    // The last original is held back until a frame has been measured: a render that fetched
    // every original before judging would never finish.
    const store = Object.assign(Object.create(s3.store) as typeof s3.store, {
      getStream: async (key: string) => {
        if (key === last) await firstAnalysed;
        return s3.store.getStream(key);
      },
    });
    const result = await renderTimelapse(input('req-overlap', frames), {
      ...deps(),
      store,
      onProgress: (p) => {
        if (p.stage === 'analyse' && p.done >= 1) analysed();
      },
    });
    expect(result.framesAccepted).toBe(30);
  });

  it('runs two renders at once over one warehouse connection', async () => {
    const [a, b] = await Promise.all([
      renderTimelapse(input('req-par-a', good.slice(100, 110)), deps()),
      renderTimelapse(input('req-par-b', good.slice(110, 120)), deps()),
    ]);
    expect([a.framesAccepted, b.framesAccepted]).toEqual([10, 10]);
    expect(await warehouse.query<{ n: number }>("SELECT count(*) AS n FROM MARS_LINEAGE.RENDER_FRAMES WHERE request_id IN ('req-par-a', 'req-par-b')")).toEqual([{ n: 20 }]);
  });

  it('encodes VP9 WebM with letterboxing to a requested size, a caption and levelling over fewer frames than its window', async () => {
    const result = await renderTimelapse(
      input('req-webm', good.slice(0, 12), { format: 'webm', width: 320, height: 320, caption: true, fps: 6, levelBrightness: true }),
      deps(),
    );
    expect(result.keys.video).toBe('timelapses/perseverance/MCZ_LEFT/100-101/req-webm/video.webm');
    const local = path.join(dir, 'out.webm');
    await s3.store.fGet(result.keys.video, local);
    const probe = await probeVideo(ffprobePath, local);
    expect(probe).toMatchObject({ codec: 'vp9', pixFmt: 'yuv420p', width: 320, height: 320, frames: 12 });
    expect(probe.durationSeconds).toBeCloseTo(2, 1);
    const manifest = (await s3.store.getJson(result.keys.manifest)) as { output: { levelling: string; frameInput: string } };
    expect(manifest.output).toMatchObject({ levelling: 'ffmpeg deflicker, median of 12 frames', frameInput: 'raw RGB frames normalised in workers' });
    // Letterboxed 4:3 into a square: black bars above and below the picture.
    const poster = await sharp(await s3.store.getBuffer(result.keys.poster)).raw().toBuffer({ resolveWithObject: true });
    expect(poster.info).toMatchObject({ width: 320, height: 320 });
    const row = (y: number) => Math.max(...poster.data.subarray(y * 320 * 3, (y + 1) * 320 * 3));
    expect(row(5)).toBeLessThan(16);
    expect(row(160)).toBeGreaterThan(100);
  });
});
