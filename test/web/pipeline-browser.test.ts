import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startReplayServer, type ReplayServer } from '../../src/ingest/replay/replay-server.ts';
import { SAMPLE } from '../../src/timelapse/sample.ts';
import { ingestRole, loaderRole, modelsRole, s3EventsRole, schedulerRole } from '../../src/workers/roles.ts';
import { opsRole } from '../../src/workers/ops/ops-role.ts';
import { galleryRole } from '../../src/workers/timelapse/roles.ts';
import { startTimelapseHarness, type TimelapseHarness } from '../support/timelapse-harness.ts';
import { nasaFixtures } from '../support/temp.ts';

/** Debian's chromium, as CI installs it; never a browser download. */
const CHROMIUM = '/usr/bin/chromium';

/**
 * A NASA mirror that can be down: the offline sample and the real recorded responses behind a
 * proxy that answers 404 for Spirit's photos while `down` is set.
 */
async function flakyMirror(target: string): Promise<{ url: string; down: boolean; close: () => Promise<void> }> {
  const state = { down: true };
  const server = http.createServer(async (req, res) => {
    if (state.down && req.url?.includes('/rovers/spirit/')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const upstream = await fetch(new URL(req.url ?? '/', target));
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let h: TimelapseHarness;
let replay: ReplayServer;
let mirror: Awaited<ReturnType<typeof flakyMirror>>;
let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
  replay = await startReplayServer({ dir: [SAMPLE.dir, nasaFixtures], serveImages: true });
  mirror = await flakyMirror(replay.url);
  mirror.down = false;
  h = await startTimelapseHarness({
    roles: [s3EventsRole, loaderRole, modelsRole, opsRole, schedulerRole, ingestRole, galleryRole],
    env: {
      NASA_API_BASE_URL: mirror.url,
      MMGIS_BASE_URL: mirror.url,
      INGEST_ATTEMPTS: '1',
      INGEST_BACKOFF_MS: '50',
      MODEL_DEBOUNCE_MS: '300',
      PLANNER_WINDOW_SOLS: '0',
    },
  });
  mirror.down = true;
  profile = await mkdtemp(path.join(os.tmpdir(), 'mars-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
  await h?.close();
  await mirror?.close();
  await replay?.close();
});

const count = async (sql: string) => Number(Object.values((await (await h.runtime.warehouse()).query(sql))[0]!)[0]);

it('shows the pipeline, lists a garbage message and a failed ingest among the dead letters, and lands the replayed one once', async () => {
  const page = await browser.newPage();
  const base = h.service.http.url;
  await page.goto(`${base}/pipeline`);
  for (const id of ['ingest-runs', 'ledger', 'builds', 'planning', 'anomalies', 'dead-letters']) {
    expect(await page.locator(`section#${id} h2`).count()).toBe(1);
  }
  // The sample's build is in the history, and its raw objects in the ledger.
  await expect.poll(() => page.locator('section#builds tbody tr').count()).toBeGreaterThan(0);
  expect(await page.locator('section#ledger').innerText()).toContain('raw/photos/perseverance/');
  // Spirit's real manifest, ingested through the pipeline: every sol of it is a gap, each with a backfill button.
  await h.kafka.send('ingestion-scheduling', [JSON.stringify({ source: 'manifests', rover: 'spirit' })], 'spirit-manifest');
  await expect.poll(() => page.locator('section#planning button[data-backfill-rover="spirit"]').count(), { timeout: 120_000 }).toBeGreaterThan(0);
  expect(await page.locator('section#planning tr.gap').first().innerText()).toMatch(/^spirit\t\d+–\d+\t\d+\tnot ingested/);

  // A garbage message on a consumed topic, and a command whose source is down.
  await h.kafka.send('ingestion-scheduling', ['this is not JSON {'], 'garbage');
  await h.kafka.send('ingestion-scheduling', [JSON.stringify({ source: 'photos', rover: 'spirit', solStart: 1, solEnd: 1 })], 'spirit-1');
  const letters = page.locator('section#dead-letters tr.letter');
  // No reload: the page follows the server's events.
  await expect.poll(() => letters.count(), { timeout: 90_000 }).toBe(2);
  const garbage = page.locator('section#dead-letters tr.letter', { hasText: 'invalid-json' });
  expect(await garbage.innerText()).toContain('ingestion-scheduling');
  expect(await garbage.innerText()).toContain('this is not JSON {');
  const failed = page.locator('section#dead-letters tr.letter', { hasText: 'queue:ingest-photos' });
  expect(await failed.innerText()).toContain('HTTP 404');
  await expect.poll(() => page.locator('section#ingest-runs tbody tr', { hasText: /^photos\s*spirit/ }).count(), { timeout: 30_000 }).toBe(1);
  expect(await page.locator('section#ingest-runs tbody tr', { hasText: /^photos\s*spirit/ }).innerText()).toContain('failed');
  await page.screenshot({ path: path.join(process.env.MARS_SCREENSHOT_DIR ?? h.dir, 'pipeline.png'), fullPage: true });

  // The mirror is back: replaying the letter lands Spirit's sol 1 (77 photos), once.
  mirror.down = false;
  const letterId = await failed.getAttribute('data-letter-id');
  await failed.locator('button[data-replay]').click();
  await expect.poll(() => page.locator('#action-status').innerText()).toBe(`Replayed ${letterId} to ingestion-scheduling.`);
  await expect.poll(() => count("SELECT COUNT(*) FROM MARS_SILVER.FACT_PHOTOS WHERE rover_name = 'spirit'"), { timeout: 120_000, interval: 1000 }).toBe(77);
  await expect.poll(() => page.locator('section#dead-letters tr.letter', { hasText: 'queue:ingest-photos' }).locator('.replayed').count()).toBe(1);

  // A second replay of the same letter is refused, and nothing more lands.
  const again = await fetch(`${base}/api/dead-letters/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ letterId }) });
  expect(again.status).toBe(409);
  expect(((await again.json()) as { message: string }).message).toMatch(/^Not replayed: already replayed at 20\d\d-.* by pipeline page\.$/);
  await expect.poll(() => page.locator('section#ingest-runs tbody tr', { hasText: /^photos\s*spirit/ }).filter({ hasText: 'completed' }).count(), { timeout: 30_000 }).toBe(1);
  expect(await count("SELECT COUNT(*) FROM MARS_BRONZE.LOADED_OBJECTS WHERE object_key LIKE 'raw/photos/spirit/%'")).toBe(1);
  expect(await count("SELECT COUNT(*) FROM MARS_SILVER.FACT_PHOTOS WHERE rover_name = 'spirit'")).toBe(77);
  expect(await count('SELECT COUNT(*) FROM MARS_OPS.DEAD_LETTER_REPLAYS')).toBe(1);

  // The gap plan's button schedules the first batch of a gap (the page shows the plan of the latest build).
  await expect.poll(() => page.locator('section#planning button[data-backfill-sol="1"]').count(), { timeout: 60_000 }).toBe(0);
  const gap = page.locator('section#planning button[data-backfill-rover="spirit"]').first();
  const solStart = await gap.getAttribute('data-backfill-sol');
  await gap.click();
  await expect.poll(() => page.locator('#action-status').innerText()).toMatch(new RegExp(`^Scheduled photos for spirit sols ${solStart}-\\d+\\.$`));
  await page.screenshot({ path: path.join(process.env.MARS_SCREENSHOT_DIR ?? h.dir, 'pipeline-replayed.png'), fullPage: true });
}, 300_000);
