import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveMediaTools } from '../../../src/media/media-tools.ts';
import { probeVideo } from '../../../src/media/probe-video.ts';
import { RENDER_QUEUE } from '../../../src/workers/timelapse/render-job.ts';
import { EMPTY_SOLS, startTimelapseHarness, type TimelapseHarness } from '../../support/timelapse-harness.ts';
import { deletePrefix } from '../../support/redis.ts';

const NAVCAM_LEFT_IDS = [
  952932, 952933, 952934, 952935, 952936, 952937, 952938, 952939, 952948, 952949, 952950, 952951, 952961, 952962, 952963, 952964, 952965,
  952966, 952967, 952968,
].map(String);
const command = { requestId: 'flow-1', rover: 'perseverance', camera: 'NAVCAM_LEFT', solStart: 394, solEnd: 394, fps: 12 };
const prefix = 'timelapses/perseverance/NAVCAM_LEFT/394-394/flow-1/';

let h: TimelapseHarness;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'bin', 'mars.js'), ...args], { env: { ...process.env, ...h.env }, cwd: root }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  h = await startTimelapseHarness({ env: { TIMELAPSE_METADATA_TIMEOUT_MS: '3000' } });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

async function publishedObjects() {
  const store = await h.runtime.objectStore();
  const out: Array<{ key: string; etag: string; lastModified: number }> = [];
  for await (const o of store.list('timelapses/')) out.push({ key: o.key, etag: o.etag, lastModified: o.lastModified.getTime() });
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

async function renderJobCounts(): Promise<Record<string, number>> {
  const queue = new Queue(RENDER_QUEUE, { connection: { url: h.config.redisUrl }, prefix: h.config.queues.prefix });
  try {
    return await queue.getJobCounts('completed', 'waiting', 'active', 'failed', 'delayed');
  } finally {
    await queue.close();
  }
}

describe('a timelapse command on the embedded parts', () => {
  it('ends in a completed event whose key holds a valid H.264 MP4, with lineage for every candidate frame', async () => {
    const { final, events } = await h.request(command);
    expect(final.status, JSON.stringify(final)).toBe('completed');
    if (final.status !== 'completed') return;
    expect(final.keys).toEqual({
      video: `${prefix}video.mp4`,
      poster: `${prefix}poster.jpg`,
      contact: `${prefix}contact.jpg`,
      manifest: `${prefix}manifest.json`,
    });
    expect(final.framesAccepted).toBe(18);
    expect(final.framesRejected).toBe(2);
    expect(new URL(final.url).pathname).toBe(`/${h.config.s3.bucket}/${prefix}video.mp4`);
    expect(events[0]).toMatchObject({ status: 'accepted', frames: 20 });
    const progress = events.filter((e) => e.status === 'progress');
    expect(progress.length).toBeGreaterThan(2);
    const fractions = progress.map((e) => (e.status === 'progress' ? e.fraction : 0));
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));

    // The presigned URL serves the video itself.
    const video = Buffer.from(await (await fetch(final.url)).arrayBuffer());
    const file = path.join(h.dir, 'video.mp4');
    await (await h.runtime.objectStore()).fGet(final.keys.video, file);
    const probe = await probeVideo(resolveMediaTools(h.config).ffprobePath, file);
    expect(video.length).toBeGreaterThan(1000);
    expect(probe).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', frames: 18, width: 800, height: 600 });
    expect(probe.durationSeconds).toBeCloseTo(1.5, 1);

    const warehouse = await h.runtime.warehouse();
    const frames = await warehouse.query<{ image_id: string; accepted: boolean; reason: string | null; frame_index: number | null }>(
      `SELECT image_id, accepted, reason, frame_index FROM MARS_LINEAGE.RENDER_FRAMES WHERE request_id = 'flow-1' ORDER BY candidate_index`,
    );
    expect(frames.map((f) => f.image_id)).toEqual(NAVCAM_LEFT_IDS);
    expect(frames.filter((f) => !f.accepted).map((f) => [f.image_id, f.reason])).toEqual([
      ['952938', 'over-exposed'],
      ['952962', 'black'],
    ]);
    expect(frames.filter((f) => f.accepted).map((f) => f.frame_index)).toEqual([...Array(18).keys()]);
    const runs = await warehouse.query(`SELECT status, frames_total, frames_accepted, video_key FROM MARS_LINEAGE.RENDER_RUNS WHERE request_id = 'flow-1'`);
    expect(runs).toEqual([{ status: 'completed', frames_total: 20, frames_accepted: 18, video_key: `${prefix}video.mp4` }]);
    expect((await publishedObjects()).map((o) => o.key)).toEqual([`${prefix}contact.jpg`, `${prefix}manifest.json`, `${prefix}poster.jpg`, `${prefix}video.mp4`]);
  }, 120_000);

  it('answers the same requestId again with the existing result and renders nothing', async () => {
    const before = await publishedObjects();
    const { final } = await h.request(command, { repeat: true });
    expect(final).toMatchObject({ status: 'completed', repeat: true, framesAccepted: 18, keys: { video: `${prefix}video.mp4` } });
    expect(await publishedObjects()).toEqual(before);
    expect(await renderJobCounts()).toEqual({ completed: 1, waiting: 0, active: 0, failed: 0, delayed: 0 });
    const warehouse = await h.runtime.warehouse();
    expect(await warehouse.query(`SELECT COUNT(*) AS n FROM MARS_LINEAGE.RENDER_RUNS`)).toEqual([{ n: 1 }]);
  }, 60_000);

  it('still answers a repeat with repeat: true after Redis lost its data, from the lineage, and renders nothing', async () => {
    const before = await publishedObjects();
    // Everything under the prefix: the ledger record and BullMQ's job, as a Redis restarted without persistence.
    await deletePrefix(h.config.redisUrl, h.config.queues.prefix);
    const { final } = await h.request(command, { repeat: true });
    expect(final).toMatchObject({ status: 'completed', repeat: true, framesAccepted: 18, framesRejected: 2, keys: { video: `${prefix}video.mp4` } });
    expect(await publishedObjects()).toEqual(before);
    expect(await renderJobCounts()).toEqual({ completed: 0, waiting: 0, active: 0, failed: 0, delayed: 0 });
    const warehouse = await h.runtime.warehouse();
    expect(await warehouse.query(`SELECT COUNT(*) AS n FROM MARS_LINEAGE.RENDER_RUNS`)).toEqual([{ n: 1 }]);
  }, 60_000);

  it('fails an unknown camera with a reason naming the cameras there are', async () => {
    const { final } = await h.request({ ...command, requestId: 'flow-unknown-camera', camera: 'SKYCAM_9' });
    expect(final).toMatchObject({
      status: 'failed',
      reason:
        'unknown camera SKYCAM_9 for perseverance (cameras in the warehouse: FRONT_HAZCAM_LEFT_A, FRONT_HAZCAM_RIGHT_A, NAVCAM_LEFT, NAVCAM_RIGHT, REAR_HAZCAM_LEFT, REAR_HAZCAM_RIGHT)',
    });
  }, 60_000);

  it('fails an empty sol range with a clear reason', async () => {
    const { final } = await h.request({ ...command, requestId: 'flow-empty', ...EMPTY_SOLS });
    expect(final).toMatchObject({
      status: 'failed',
      reason: 'no full-size NAVCAM_LEFT frames from perseverance in sols 390-393; the warehouse has no photos of those sols',
    });
    // A repeat of a failed request answers with the same reason.
    const again = await h.request({ ...command, requestId: 'flow-empty', ...EMPTY_SOLS }, { repeat: true });
    expect(again.final).toMatchObject({ status: 'failed', repeat: true, reason: final.status === 'failed' ? final.reason : '' });
  }, 60_000);

  it('schedules ingestion for sols never ingested, and fails with the reason when it does not land in time', async () => {
    const { final, events } = await h.request({ ...command, requestId: 'flow-missing', solStart: 500, solEnd: 501 });
    expect(final).toMatchObject({
      status: 'failed',
      reason: 'metadata for sols 500-501 of perseverance did not arrive within 3 s (its ingestion was scheduled)',
    });
    expect(events.map((e) => (e.status === 'progress' ? `${e.status}:${e.stage}` : e.status))).toEqual(['accepted', 'progress:ingest', 'failed']);
    const scheduled = (await h.kafka.readTopic('ingestion-scheduling', 1)).map((m) => JSON.parse(m.value!));
    expect(scheduled).toEqual([{ source: 'photos', rover: 'perseverance', solStart: 500, solEnd: 501, requestId: 'flow-missing:photos:500-501' }]);
  }, 60_000);

  it('mars timelapse request --wait prints the key and URL, or exits 1 with the reason', async () => {
    const ok = await runCli(['timelapse', 'request', '--rover', 'perseverance', '--camera', 'NAVCAM_LEFT', '--sols', '394', '--request-id', 'flow-1', '--wait']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`key: ${prefix}video.mp4\n`);
    expect(ok.stdout).toMatch(/^url: http:\/\/127\.0\.0\.1:\d+\/.*video\.mp4.*$/m);
    const bad = await runCli(['timelapse', 'request', '--rover', 'perseverance', '--camera', 'SKYCAM_9', '--sols', '394', '--request-id', 'flow-unknown-camera', '--wait']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('timelapse flow-unknown-camera failed: unknown camera SKYCAM_9 for perseverance');
    const invalid = await runCli(['timelapse', 'request', '--rover', 'perseverance', '--camera', 'NAVCAM_LEFT', '--sols', '9-3']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("Expected the range's end to be >= its start for --sols");
  }, 90_000);

  it('dead-letters a command that fails the schema, and goes on', async () => {
    await h.sendCommand({ requestId: 'flow-bad', rover: 'perseverance', camera: 'NAVCAM_LEFT', solStart: 10, solEnd: 5 });
    const letters = await h.kafka.readTopic('dead-letter', 1);
    const letter = JSON.parse(letters[0]!.value!);
    expect(letter).toMatchObject({ reason: 'invalid-schema', topic: 'timelapse-commands' });
    expect(letter.detail).toContain('solEnd must not be before solStart');
  }, 60_000);
});
