import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HttpClient } from '../../../src/ingest/http-client.ts';
import { startReplayServer } from '../../../src/ingest/replay/replay-server.ts';
import { runIngest } from '../../../src/ingest/run-ingest.ts';
import { loadConfig } from '../../../src/platform/config.ts';
import { silentLogger } from '../../../src/platform/logger.ts';
import { buildWarehouse } from '../../../src/warehouse/build-warehouse.ts';
import { DuckDbWarehouse } from '../../../src/warehouse/duckdb-warehouse.ts';
import { selectFrames } from '../../../src/warehouse/selection/select-frames.ts';
import type { Warehouse } from '../../../src/warehouse/warehouse.ts';
import { ROLES } from '../../../src/workers/roles.ts';
import { startTestS3 } from '../../support/s3.ts';
import { tempDir } from '../../support/temp.ts';
import { LEFT_FULL_IDS, NAVCAM_EXPOSURES, NAVCAM_SOL, writeNavcamSol } from '../../support/curiosity-navcam-sol.ts';
import { startTimelapseHarness, type TimelapseHarness } from '../../support/timelapse-harness.ts';

/**
 * The live path: no classic mirror (NASA's archived API answers 404), only MARS_RAW_BASE_URL,
 * pointing at a server answering Curiosity's raw_image_items in the recorded response's shape.
 */
let h: TimelapseHarness;
let dirs: { dir: string; cleanup: () => Promise<void> };
const feedDir = () => path.join(dirs.dir, 'feed');
const classicDir = () => path.join(dirs.dir, 'classic');
const command = { requestId: 'live-navcam', rover: 'curiosity', camera: 'NAVCAM', solStart: NAVCAM_SOL, solEnd: NAVCAM_SOL };

beforeAll(async () => {
  dirs = await tempDir('mars-live');
  await writeNavcamSol(feedDir(), classicDir());
  h = await startTimelapseHarness({
    preload: false,
    roles: [...ROLES],
    replayDirs: [feedDir()],
    feedsOnly: true,
    env: { MODEL_DEBOUNCE_MS: '200', PLANNER_WINDOW_SOLS: '0', TIMELAPSE_METADATA_TIMEOUT_MS: '120000' },
  });
}, 180_000);

afterAll(async () => {
  await h?.close();
  await dirs?.cleanup();
});

/** Ingests the classic API's answer for the sol from a mirror, as `mars ingest photos` would. */
async function ingestClassic(store: Parameters<typeof runIngest>[1]['store']): Promise<void> {
  const mirror = await startReplayServer({ dir: classicDir() });
  const config = loadConfig({ ...h.env, NASA_API_BASE_URL: mirror.url });
  const http = HttpClient.fromConfig(config, silentLogger);
  try {
    await runIngest({ source: 'photos', rover: 'curiosity', solStart: NAVCAM_SOL, solEnd: NAVCAM_SOL, force: true }, { config, store, http, logger: silentLogger });
  } finally {
    await http.close();
    await mirror.close();
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 150_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const frameIds = async (warehouse: Warehouse) => (await selectFrames(warehouse, command)).map((f) => f.imageId);

it('renders a Curiosity NAVCAM sol never ingested from the feed alone: exactly its full-size left-eye frames', async () => {
  const { final, events } = await h.request(command);
  expect(final, JSON.stringify(final)).toMatchObject({ status: 'completed' });
  expect(events[1]).toMatchObject({ status: 'progress', stage: 'ingest', fraction: 0 });
  const scheduled = (await h.kafka.readTopic('ingestion-scheduling', 1)).map((m) => JSON.parse(m.value!));
  expect(scheduled).toEqual([
    { source: 'feed', rover: 'curiosity', solStart: NAVCAM_SOL, solEnd: NAVCAM_SOL, requestId: `live-navcam:feed:${NAVCAM_SOL}-${NAVCAM_SOL}` },
  ]);

  const warehouse = await h.runtime.warehouse();
  const frames = await warehouse.query<{ image_id: string; accepted: boolean; reason: string | null }>(
    `SELECT image_id, accepted, reason FROM MARS_LINEAGE.RENDER_FRAMES WHERE request_id = 'live-navcam' ORDER BY candidate_index`,
  );
  expect(LEFT_FULL_IDS).toHaveLength(8);
  expect(frames.map((f) => f.image_id)).toEqual(LEFT_FULL_IDS);
  // Every candidate is accepted, or rejected with its reason.
  expect(frames.filter((f) => !f.accepted && !f.reason)).toEqual([]);
  if (final.status === 'completed') expect(final.framesAccepted + final.framesRejected).toBe(LEFT_FULL_IDS.length);

  // The sol's sequence (its id read from the file names), once per eye.
  expect(
    await warehouse.query(
      `SELECT camera_name, eye, sequence_id, full_frames FROM MARS_GOLD.TIMELAPSE_CANDIDATES WHERE kind = 'sequence' AND rover_name = 'curiosity' AND sol = ? ORDER BY eye`,
      [NAVCAM_SOL],
    ),
  ).toEqual([
    { camera_name: 'NAVCAM', eye: 'left', sequence_id: 'NCAM00545', full_frames: 8 },
    { camera_name: 'NAVCAM', eye: 'right', sequence_id: 'NCAM00545', full_frames: 8 },
  ]);

  // The frames' URLs name the same exposures (the replay server serves them locally).
  const sources = await warehouse.query<{ img_src: string }>(
    `SELECT img_src FROM MARS_SILVER.FACT_PHOTOS WHERE rover_name = 'curiosity' AND sol = ? AND eye = 'left' AND is_full ORDER BY sclk`,
    [NAVCAM_SOL],
  );
  expect(sources.map((s) => s.img_src.split('/').pop())).toEqual(LEFT_FULL_IDS.map((id) => `${id}.JPG`));
}, 180_000);

it('changes no candidate when the classic response for the same sol is ingested after the feed', async () => {
  const warehouse = await h.runtime.warehouse();
  const before = await frameIds(warehouse);
  expect(before).toEqual(LEFT_FULL_IDS);
  await ingestClassic(await h.runtime.objectStore());
  const merged = await waitFor('the classic photos reaching FACT_PHOTOS', async () => {
    const [row] = await warehouse.query<{ n: number; classic: number }>(
      `SELECT COUNT(*) AS n, COUNT(photos_api_id) AS classic FROM MARS_SILVER.FACT_PHOTOS WHERE rover_name = 'curiosity' AND sol = ?`,
      [NAVCAM_SOL],
    );
    return row && Number(row.classic) > 0 ? row : undefined;
  });
  // One row per exposure: the classic photos joined the feed's rows (every one but the thumbnails).
  expect(merged).toEqual({ n: NAVCAM_EXPOSURES.length, classic: NAVCAM_EXPOSURES.filter((e) => e.sampleType !== 'thumbnail').length });
  expect(await frameIds(warehouse)).toEqual(before);
}, 180_000);

it('gives the same candidates when the classic response came first', async () => {
  const s3 = await startTestS3();
  const tmp = await tempDir('mars-live-order');
  const warehouse = await DuckDbWarehouse.open(path.join(tmp.dir, 'w.duckdb'));
  try {
    await ingestClassic(s3.store);
    await buildWarehouse({ warehouse, store: s3.store, logger: silentLogger });
    // The classic API alone: its NAVCAM mixes eyes and sample types, NASA's file names tell them apart.
    expect(await frameIds(warehouse)).toEqual(NAVCAM_EXPOSURES.filter((e) => e.eye === 'left' && e.sampleType === 'full').sort((a, b) => a.sclk - b.sclk).map((e) => String(e.classicId)));
    const feed = await startReplayServer({ dir: feedDir() });
    const config = loadConfig({ ...h.env, MARS_RAW_BASE_URL: feed.url });
    const http = HttpClient.fromConfig(config, silentLogger);
    try {
      await runIngest({ source: 'feed', rover: 'curiosity', solStart: NAVCAM_SOL, solEnd: NAVCAM_SOL, force: true }, { config, store: s3.store, http, logger: silentLogger });
    } finally {
      await http.close();
      await feed.close();
    }
    const summary = await buildWarehouse({ warehouse, store: s3.store, logger: silentLogger });
    expect(summary.tests.filter((t) => !t.passed)).toEqual([]);
    expect(await frameIds(warehouse)).toEqual(LEFT_FULL_IDS);
  } finally {
    await warehouse.close();
    await s3.close();
    await tmp.cleanup();
  }
}, 180_000);

it('renders a sequence asked for instead of sols, and fails one the warehouse does not know with the reason', async () => {
  const { final } = await h.request({ requestId: 'live-sequence', rover: 'curiosity', camera: 'NAVCAM', sequenceId: 'NCAM00545' });
  expect(final, JSON.stringify(final)).toMatchObject({ status: 'completed' });
  if (final.status === 'completed') expect(final.keys.video).toBe(`timelapses/curiosity/NAVCAM/${NAVCAM_SOL}-${NAVCAM_SOL}/live-sequence/video.mp4`);
  const warehouse = await h.runtime.warehouse();
  const frames = await warehouse.query<{ image_id: string }>(
    `SELECT image_id FROM MARS_LINEAGE.RENDER_FRAMES WHERE request_id = 'live-sequence' ORDER BY candidate_index`,
  );
  expect(frames.map((f) => f.image_id)).toEqual(LEFT_FULL_IDS);

  const unknown = await h.request({ requestId: 'live-no-sequence', rover: 'curiosity', camera: 'NAVCAM', sequenceId: 'NCAM99999' });
  expect(unknown.final).toMatchObject({
    status: 'failed',
    reason: 'sequence NCAM99999 of curiosity is not in the warehouse (MARS_GOLD.TIMELAPSE_CANDIDATES); give solStart and solEnd to have those sols ingested',
  });
}, 180_000);
