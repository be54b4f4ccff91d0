import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTimelapseHarness, type TimelapseHarness } from '../support/timelapse-harness.ts';

/** Debian's chromium, as CI installs it; never a browser download. */
const CHROMIUM = '/usr/bin/chromium';

let h: TimelapseHarness;
let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
  h = await startTimelapseHarness();
  const { final } = await h.request({ requestId: 'browser-1', rover: 'perseverance', camera: 'NAVCAM_LEFT', solStart: 394, solEnd: 394 });
  expect(final.status).toBe('completed');
  profile = await mkdtemp(path.join(os.tmpdir(), 'mars-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
  await h?.close();
});

it('opens the gallery, plays a video, and follows a request from the form to a completed run', async () => {
  const page = await browser.newPage();
  const base = h.service.http.url;
  await page.goto(`${base}/`);
  await expect.poll(() => page.locator('article.card[data-request-id="browser-1"]').count()).toBe(1);
  const card = await page.locator('article.card[data-request-id="browser-1"]').innerText();
  expect(card).toContain('18 frames used, 2 rejected');
  expect(card).toContain('offline sample: derived frames');
  await page.screenshot({ path: path.join(process.env.MARS_SCREENSHOT_DIR ?? h.dir, 'gallery.png'), fullPage: true });

  await page.click('article.card[data-request-id="browser-1"] a.poster');
  await page.waitForSelector('video#player');
  expect(await page.locator('#frames tbody tr').count()).toBe(20);
  expect(await page.locator('#frames tbody tr.rejected').count()).toBe(2);
  const played = await page.evaluate(async () => {
    const video = document.querySelector<HTMLVideoElement>('video#player')!;
    video.muted = true;
    await video.play();
    const start = video.currentTime;
    await new Promise<void>((resolve) => {
      const check = () => (video.currentTime > start + 0.3 ? resolve() : requestAnimationFrame(check));
      check();
    });
    return { start, now: video.currentTime, error: video.error?.message ?? null };
  });
  expect(played.error).toBeNull();
  expect(played.now).toBeGreaterThan(played.start);
  expect(await page.locator('p.derived.notice').count()).toBe(1);
  // The sample's traverse layer has sols 380-400: the map draws the 12 with a sol from 384 to 399 (the run's, 10 before, 5 after).
  expect(await page.locator('svg.map path').count()).toBe(12);
  expect(await page.locator('svg.map path[stroke="#e0703a"]').count()).toBe(1);
  await page.screenshot({ path: path.join(process.env.MARS_SCREENSHOT_DIR ?? h.dir, 'run.png'), fullPage: true });

  await page.goto(`${base}/`);
  // The sample's frames are NAVCAM_LEFT's: ask for them again at another frame rate.
  await page.fill('input[name="camera"]', 'navcam_left');
  await page.fill('input[name="sols"]', '394');
  await page.fill('input[name="fps"]', '5');
  await page.click('#request-form button[type="submit"]');
  await page.waitForSelector('#completed-link, #progress.error', { timeout: 120_000 });
  expect(await page.locator('#progress-text').innerText()).toBe('Completed: 18 frames used, 2 rejected. Watch it');
  await page.click('#completed-link');
  await page.waitForSelector('video#player');
  const facts = await page.locator('dl.facts').innerText();
  expect(facts).toContain('NAVCAM_LEFT');
  expect(facts).toMatch(/fps\s+5/);
  expect(facts).toContain('3.6 s');
}, 180_000);

it('switches the run page\'s player between the normal, stabilised and motion videos', async () => {
  const { final } = await h.request({
    requestId: 'browser-views',
    rover: 'perseverance',
    camera: 'NAVCAM_LEFT',
    solStart: 394,
    solEnd: 394,
    stabilise: true,
    mode: 'motion',
    layout: 'side-by-side',
  });
  expect(final.status).toBe('completed');
  const page = await browser.newPage();
  const base = h.service.http.url;
  await page.goto(`${base}/`);
  const badges = await page.locator('article.card[data-request-id="browser-views"] .badge.view').allInnerTexts();
  expect(badges).toEqual(['normal', 'stabilised', 'motion']);
  await page.goto(`${base}/runs/browser-views`);
  await page.waitForSelector('video#player');
  expect(await page.locator('#views button').allInnerTexts()).toEqual(['Normal', 'Stabilised', 'Motion']);
  expect(await page.locator('#stabilisation').innerText()).toMatch(/^mean correction [\d.]+ px, largest [\d.]+ px, zoom [\d.]+$/);

  /**
   * Clicks a view's button, waits for the player to take that view's file (read before, the old
   * video's position would be the start to pass, which a shorter new one may never reach), then
   * plays it: its file name and picture width.
   */
  const show = async (label: string, file: string) => {
    await page.click(`#views button:text-is("${label}")`);
    await page.waitForFunction((name) => document.querySelector<HTMLVideoElement>('video#player')!.currentSrc.endsWith(`/${name}`), file, { timeout: 30_000 });
    return page.evaluate(async () => {
      const video = document.querySelector<HTMLVideoElement>('video#player')!;
      video.muted = true;
      if (video.readyState < 1) await new Promise((resolve) => video.addEventListener('loadedmetadata', resolve, { once: true }));
      const deadline = performance.now() + 30_000;
      await Promise.race([
        video.play(),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`play() did not start: readyState ${video.readyState}, networkState ${video.networkState}`)), 30_000)),
      ]);
      const start = video.currentTime;
      await new Promise<void>((resolve, reject) => {
        const check = () => {
          if (video.currentTime > start + 0.2) resolve();
          else if (performance.now() > deadline) reject(new Error(`playback did not advance: currentTime ${video.currentTime}, readyState ${video.readyState}, paused ${video.paused}`));
          else requestAnimationFrame(check);
        };
        check();
      });
      return {
        file: video.currentSrc.split('/').pop(),
        width: video.videoWidth,
        error: video.error?.message ?? null,
        download: document.querySelector<HTMLAnchorElement>('#download')!.href.split('/').pop(),
        pressed: document.querySelector('#views button[aria-pressed="true"]')!.textContent,
      };
    });
  };
  const normal = await show('Normal', 'video.mp4');
  const motion = await show('Motion', 'motion.mp4');
  const stabilised = await show('Stabilised', 'stabilised.mp4');
  expect(normal).toMatchObject({ file: 'video.mp4', download: 'video.mp4', pressed: 'Normal', error: null });
  expect(motion).toMatchObject({ file: 'motion.mp4', download: 'motion.mp4', pressed: 'Motion', error: null });
  expect(stabilised).toMatchObject({ file: 'stabilised.mp4', download: 'stabilised.mp4', pressed: 'Stabilised', error: null });
  // Side by side, the motion view is twice as wide as the frame.
  expect(motion.width).toBe(normal.width * 2);
  expect(stabilised.width).toBe(normal.width);
  await page.screenshot({ path: path.join(process.env.MARS_SCREENSHOT_DIR ?? h.dir, 'run-views.png'), fullPage: true });
}, 240_000);
