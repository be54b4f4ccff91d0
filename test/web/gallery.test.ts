import { describeRoute } from '../../src/ingest/source-routing.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { ROVERS, type Rover } from '../../src/timelapse/raw-objects.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/platform/logger.ts';
import type { ObjectStore } from '../../src/platform/object-store/object-store.ts';
import { parseRange } from '../../src/web/byte-range.ts';
import { EventLog } from '../../src/web/event-log.ts';
import { createGallery } from '../../src/web/gallery.ts';
import type { FrameRow, GalleryData, RunRow } from '../../src/web/gallery-data.ts';
import { isServableKey } from '../../src/web/media-route.ts';
import { traverseMap } from '../../src/web/pages/traverse-map.ts';
import { timelapseEvent, type TimelapseCommand } from '../../src/timelapse/schemas.ts';
import { startTestS3 } from '../support/s3.ts';

const hostile = '<script>alert("x")</script>';
const VIDEO_KEY = 'timelapses/perseverance/NAVCAM_LEFT/394-394/req-1/video.mp4';

const run: RunRow = {
  request_id: 'req-1',
  rover_name: 'perseverance',
  camera_name: `NAVCAM_LEFT${hostile}`,
  sol_start: 394,
  sol_end: 394,
  status: 'completed',
  error: hostile,
  started_at: '2026-11-27 10:00:00',
  finished_at: '2026-11-27 10:00:05',
  frames_total: 3,
  frames_accepted: 2,
  video_key: VIDEO_KEY,
  poster_key: 'timelapses/perseverance/NAVCAM_LEFT/394-394/req-1/poster.jpg',
  contact_key: 'raw/photos/not-served.json',
  manifest_key: null,
  duration_seconds: 0.2,
  parameters: { fps: 10, note: hostile },
  mode: null,
  stabilised: false,
  view_parameters: {},
  stabilised_video_key: null,
  motion_video_key: null,
  local_frames: 0,
};
/** A run of the offline sample: its frames came from this machine's replay server. */
const sampleRun: RunRow = { ...run, request_id: 'sample-1', camera_name: 'NAVCAM_LEFT', error: null, local_frames: 20 };
/** A run that also published the stabilised video and the motion view, side by side. */
const VIEWS_PREFIX = 'timelapses/perseverance/NAVCAM_LEFT/394-394/views-1/';
const viewsRun: RunRow = {
  ...run,
  request_id: 'views-1',
  camera_name: 'NAVCAM_LEFT',
  error: null,
  video_key: `${VIEWS_PREFIX}video.mp4`,
  poster_key: `${VIEWS_PREFIX}poster.jpg`,
  mode: 'motion',
  stabilised: true,
  view_parameters: { stabilisation: { meanCorrection: 6.25, maxCorrection: 17.5, zoom: 1.17 }, motion: { window: 9, layout: 'side-by-side', alignedFirst: true } },
  stabilised_video_key: `${VIEWS_PREFIX}stabilised.mp4`,
  motion_video_key: `${VIEWS_PREFIX}motion.mp4`,
};

const frames: FrameRow[] = [
  { candidate_index: 0, image_id: '952932', frame_index: 0, accepted: true, reason: null, detail: null, metrics: { sharpness: 12.5 }, source_url: 'https://mars.nasa.gov/a.jpg', object_key: 'images/perseverance/NAVCAM_LEFT/394/952932.jpg' },
  { candidate_index: 1, image_id: `9529${hostile}`, frame_index: null, accepted: false, reason: `black${hostile}`, detail: 'mean luma 3.1', metrics: {}, source_url: 'javascript:alert(1)', object_key: null },
  { candidate_index: 2, image_id: '952934', frame_index: 1, accepted: true, reason: null, detail: null, metrics: { sharpness: 11 }, source_url: 'https://mars.nasa.gov/c.jpg', object_key: null },
];

const data: GalleryData = {
  listRuns: async () => [run, sampleRun, viewsRun],
  getRun: async (id) => [run, sampleRun, viewsRun].find((r) => r.request_id === id) ?? null,
  getRunFrames: async () => frames,
  traverse: async () => [
    { sol: 389, points: [[77.458, 18.467], [77.456, 18.468]] },
    { sol: 394, points: [[77.4544, 18.4683], [77.4543, 18.4682], [77.452, 18.468]] },
  ],
  suggestions: async () => [{ rover: 'perseverance', camera: 'NAVCAM_LEFT', solStart: 394, solEnd: 394, frames: 20 }],
};

let s3: Awaited<ReturnType<typeof startTestS3>>;
let server: Server;
let base: string;
const video = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
const published: TimelapseCommand[] = [];
const events = new EventLog();

beforeAll(async () => {
  s3 = await startTestS3();
  await s3.store.putBuffer(VIDEO_KEY, video, 'video/mp4');
  await s3.store.putBuffer('raw/photos/perseverance/secret.json', Buffer.from('{}'), 'application/json');
  const routing = loadConfig({ MARS_RAW_BASE_URL: 'http://127.0.0.1:9' });
  const gallery = createGallery({
    data,
    sourceRoutes: Object.fromEntries(ROVERS.map((rover) => [rover, describeRoute(routing, rover)])) as Record<Rover, string>,
    store: s3.store as ObjectStore,
    events,
    publishCommand: async (command) => {
      published.push(command);
    },
    logger: silentLogger,
  });
  server = createServer((req, res) => {
    void gallery(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end('unhandled');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await s3.close();
});

describe('parseRange', () => {
  it('reads the single-range forms and refuses the rest', () => {
    expect(parseRange(undefined, 100)).toBeNull();
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,5-6', 100)).toBeNull();
    expect(parseRange('items=0-1', 100)).toBeNull();
  });
});

describe('media route', () => {
  it('serves a whole video with its length and type', async () => {
    const res = await fetch(`${base}/media/${VIDEO_KEY}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await res.arrayBuffer()).equals(video)).toBe(true);
  });

  it('answers a byte range with 206 and Content-Range', async () => {
    const res = await fetch(`${base}/media/${VIDEO_KEY}`, { headers: { range: 'bytes=1000-1999' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 1000-1999/5000');
    expect(res.headers.get('content-length')).toBe('1000');
    expect(Buffer.from(await res.arrayBuffer()).equals(video.subarray(1000, 2000))).toBe(true);

    const tail = await fetch(`${base}/media/${VIDEO_KEY}`, { headers: { range: 'bytes=-100' } });
    expect(tail.status).toBe(206);
    expect(tail.headers.get('content-range')).toBe('bytes 4900-4999/5000');
    expect(Buffer.from(await tail.arrayBuffer()).equals(video.subarray(4900))).toBe(true);
  });

  it('answers a range past the end with 416', async () => {
    const res = await fetch(`${base}/media/${VIDEO_KEY}`, { headers: { range: 'bytes=6000-' } });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe('bytes */5000');
  });

  it('serves only timelapses/ and images/ keys', async () => {
    for (const path of ['raw/photos/perseverance/secret.json', 'timelapses/../raw/photos/perseverance/secret.json', 'timelapses/%2e%2e/raw/photos/perseverance/secret.json', 'images//x.jpg']) {
      const res = await fetch(`${base}/media/${path}`);
      expect(res.status, path).toBe(404);
    }
    expect(isServableKey('images/perseverance/NAVCAM_LEFT/394/1.jpg')).toBe(true);
    expect(isServableKey('tmp/abc/video.mp4')).toBe(false);
  });
});

describe('pages', () => {
  it('list page shows the run, escaped, with the request form', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const body = await res.text();
    expect(body).not.toContain(hostile);
    expect(body).toContain('NAVCAM_LEFT&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(body).toContain('2 frames used, 1 rejected');
    expect(body).toContain('id="request-form"');
    expect(body).toContain(`src="/media/${run.poster_key}"`);
  });

  it('says in the form where each rover\'s photos come from, and what to set where nothing serves it', async () => {
    const body = await (await fetch(`${base}/`)).text();
    expect(body).toContain('>curiosity (raw-image feed)</option>');
    expect(body).toContain('>perseverance (raw-image feed)</option>');
    expect(body).toContain('>spirit (no source: set NASA_API_BASE_URL)</option>');
  });

  it('run page has the player, frame table, map, and links only to safe origins', async () => {
    const res = await fetch(`${base}/runs/req-1`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).not.toContain(hostile);
    expect(body).toContain(`<video id="player" controls preload="metadata" playsinline poster="/media/${run.poster_key}" src="/media/${VIDEO_KEY}">`);
    expect(body.match(/<tr class="(accepted|rejected)">/g)).toHaveLength(3);
    expect(body).toContain('rejected: black&lt;script&gt;');
    expect(body).toContain('mean luma 3.1');
    expect(body).not.toContain('javascript:alert');
    expect(body).toContain('href="https://mars.nasa.gov/a.jpg"');
    expect(body).toContain('href="/media/images/perseverance/NAVCAM_LEFT/394/952932.jpg"');
    // A contact key outside the served prefixes is not shown.
    expect(body).not.toContain('raw/photos/not-served.json');
    expect(body.match(/<path d="M/g)).toHaveLength(2);
  });

  it('offers a toggle between the normal, stabilised and motion videos, with the corrections, and badges each in the list', async () => {
    const body = await (await fetch(`${base}/runs/views-1`)).text();
    expect(body).toContain(`<video id="player" controls preload="metadata" playsinline poster="/media/${VIEWS_PREFIX}poster.jpg" src="/media/${VIEWS_PREFIX}video.mp4">`);
    expect(body.match(/<button type="button" class="view[^"]*" aria-pressed="(true|false)" data-view="(\w+)" data-src="([^"]+)" data-poster="([^"]+)">/g)).toEqual([
      `<button type="button" class="view active" aria-pressed="true" data-view="normal" data-src="/media/${VIEWS_PREFIX}video.mp4" data-poster="/media/${VIEWS_PREFIX}poster.jpg">`,
      `<button type="button" class="view" aria-pressed="false" data-view="stabilised" data-src="/media/${VIEWS_PREFIX}stabilised.mp4" data-poster="/media/${VIEWS_PREFIX}stabilised-poster.jpg">`,
      `<button type="button" class="view" aria-pressed="false" data-view="motion" data-src="/media/${VIEWS_PREFIX}motion.mp4" data-poster="/media/${VIEWS_PREFIX}motion-poster.jpg">`,
    ]);
    expect(body).toContain('mean correction 6.25 px, largest 17.50 px, zoom 1.17');
    expect(body).toContain('median of 9 frames, side-by-side, aligned first');
    // A run with one video has no toggle.
    expect(await (await fetch(`${base}/runs/req-1`)).text()).not.toContain('id="views"');

    const list = await (await fetch(`${base}/`)).text();
    const card = (id: string) => list.slice(list.indexOf(`data-request-id="${id}"`), list.indexOf('</article>', list.indexOf(`data-request-id="${id}"`)));
    expect(card('views-1').match(/data-view="(\w+)"/g)).toEqual(['data-view="normal"', 'data-view="stabilised"', 'data-view="motion"']);
    expect(card('req-1').match(/data-view="(\w+)"/g)).toEqual(['data-view="normal"']);
    expect(list).toContain('name="stabilise" type="checkbox"');
    expect(list).toContain('<option value="motion">motion view</option>');
  });

  it('labels the offline sample\'s runs as made of derived frames, and only those', async () => {
    const list = await (await fetch(`${base}/`)).text();
    expect(list.match(/offline sample: derived frames/g)).toHaveLength(1);
    expect(await (await fetch(`${base}/runs/sample-1`)).text()).toContain('derived from one real Perseverance Navcam image');
    expect(await (await fetch(`${base}/runs/req-1`)).text()).not.toContain('derived from one real');
  });

  it('answers 404 for an unknown run, never to be sniffed as HTML', async () => {
    for (const path of ['/runs/%3Cscript%3Ex', '/api/timelapses/%3Cscript%3Ex']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.text()).toContain('<script>x');
    }
  });
});

describe('request API', () => {
  it('refuses non-JSON bodies and invalid commands with the reason', async () => {
    const form = await fetch(`${base}/api/timelapses`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'rover=spirit' });
    expect(form.status).toBe(415);
    const bad = await fetch(`${base}/api/timelapses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rover: 'perseverance', camera: 'NAVCAM_LEFT', solStart: 10, solEnd: 5 }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toContain('solEnd must not be before solStart');
    const big = await fetch(`${base}/api/timelapses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(20_000) }) });
    expect(big.status).toBe(413);
    const array = await fetch(`${base}/api/timelapses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1]' });
    expect(array.status).toBe(400);
    expect(published).toHaveLength(0);
  });

  it('publishes a valid command and streams its events until the final one', async () => {
    const res = await fetch(`${base}/api/timelapses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rover: 'perseverance', camera: 'navcam_left', solStart: 394, solEnd: 394, fps: 12 }),
    });
    expect(res.status).toBe(202);
    const { requestId } = (await res.json()) as { requestId: string };
    expect(requestId).toMatch(/^web-[0-9a-f]{12}$/);
    expect(published).toEqual([{ requestId, rover: 'perseverance', camera: 'NAVCAM_LEFT', solStart: 394, solEnd: 394, fps: 12, requestedBy: 'gallery' }]);

    events.record(timelapseEvent({ requestId, status: 'accepted', frames: 20 }));
    const stream = await fetch(`${base}/api/timelapses/${requestId}/events`);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    events.record(timelapseEvent({ requestId, status: 'progress', stage: 'encode', fraction: 0.7 }));
    events.record(timelapseEvent({ requestId, status: 'failed', reason: 'no frames' }));
    const text = await stream.text();
    const statuses = [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!).status);
    expect(statuses).toEqual(['accepted', 'progress', 'failed']);

    const status = await fetch(`${base}/api/timelapses/${requestId}`);
    expect((await status.json()).latest.reason).toBe('no frames');
  });
});

describe('traverse map', () => {
  it('draws one path per segment and says so when there is no data', () => {
    const svg = traverseMap([{ sol: 1, points: [[0, 0], [0.001, 0.001]] }], { solStart: 1, solEnd: 1 }).value;
    expect(svg.match(/<path /g)).toHaveLength(1);
    expect(svg).toContain('stroke="#e0703a"');
    expect(traverseMap([], { solStart: 1, solEnd: 1 }).value).toContain('No traverse data');
  });
});
