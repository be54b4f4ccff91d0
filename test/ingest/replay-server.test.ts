import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failFirst, parseFailFirst } from '../../src/ingest/replay/faults.ts';
import { startReplayServer, type ReplayServer } from '../../src/ingest/replay/replay-server.ts';
import { nasaFixtures, tempDir } from '../support/temp.ts';
import { allRecordings, replayFixtures } from '../support/ingest.ts';

async function get(url: string): Promise<{ status: number; type: string | null; json: any }> {
  const response = await fetch(url);
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), json: text.startsWith('{') ? JSON.parse(text) : text };
}

describe('replay server', () => {
  let replay: ReplayServer;
  beforeAll(async () => {
    replay = await startReplayServer({ dir: allRecordings });
  });
  afterAll(() => replay.close());

  it('pages classic photos 25 at a time and answers everything without `page`', async () => {
    expect((await get(`${replay.url}/rovers/curiosity/photos?sol=0&page=1&api_key=K`)).json.photos).toHaveLength(25);
    expect((await get(`${replay.url}/rovers/curiosity/photos?sol=0&page=149`)).json.photos).toHaveLength(2);
    expect((await get(`${replay.url}/rovers/curiosity/photos?sol=0&page=150`)).json).toEqual({ photos: [] });
    expect((await get(`${replay.url}/rovers/curiosity/photos?sol=0`)).json.photos).toHaveLength(3702);
    const page2 = (await get(`${replay.url}/rovers/spirit/photos?sol=1&page=2`)).json.photos;
    const all = JSON.parse(readFileSync(path.join(nasaFixtures, 'photos', 'spirit_sol1.json'), 'utf8')).photos;
    expect(page2).toEqual(all.slice(25, 50));
  });

  it('answers an empty list for a sol it has no recording of, and 400 without a sol', async () => {
    expect((await get(`${replay.url}/rovers/spirit/photos?sol=9999&page=1`)).json).toEqual({ photos: [] });
    expect(await get(`${replay.url}/rovers/spirit/photos?page=1`)).toMatchObject({ status: 400, json: { errors: 'expected a sol parameter, e.g. ?sol=0' } });
  });

  it('serves the API paths under any prefix, as mirrors do', async () => {
    expect((await get(`${replay.url}/mars-photos/api/v1/rovers/opportunity/photos?sol=1`)).json.photos).toHaveLength(95);
    expect((await get(`${replay.url}/mars-photos/api/v1/manifests/curiosity`)).json.photo_manifest.total_photos).toBe(672_292);
    expect((await get(`${replay.url}/mmgis-maps/MSL/Layers/json/MSL_waypoints.json`)).json.features[0].properties.sol).toBe(4868);
  });

  it('serves manifests and MMGIS layers, 404 for what it lacks', async () => {
    expect((await get(`${replay.url}/manifests/spirit`)).json.photo_manifest.photos).toHaveLength(2115);
    expect((await get(`${replay.url}/M20/Layers/json/M20_traverse.json`)).json.features).toHaveLength(522);
    expect(await get(`${replay.url}/manifests/opportunity`)).toMatchObject({ status: 404, json: { errors: 'no manifest recorded for opportunity' } });
    expect(await get(`${replay.url}/nothing/here`)).toMatchObject({ status: 404, json: { errors: 'nothing recorded at /nothing/here' } });
  });

  it('pages the Perseverance feed by num and page (from 0) with totals', async () => {
    const page = await get(`${replay.url}/rss/api/?feed=raw_images&category=mars2020&feedtype=json&sol=394&num=20&page=2`);
    expect(page.json).toMatchObject({ total_results: 50, total_images: 50, page: 2, per_page: '20', type: 'mars2020-raw-images' });
    expect(page.json.images).toHaveLength(10);
  });

  it('answers the Curiosity feed for a sol range, newest sol first, with `more`', async () => {
    const url = (page: number) =>
      `${replay.url}/api/v1/raw_image_items/?order=sol%20desc&per_page=5&page=${page}&condition_1=msl:mission&condition_2=0:sol:gte&condition_3=3:sol:lte`;
    expect((await get(url(0))).json).toMatchObject({ more: true, total: 18, page: 0, per_page: 5 });
    const last = (await get(url(3))).json;
    expect(last).toMatchObject({ more: false, total: 18, page: 3 });
    expect(last.items).toHaveLength(3);
    const none = (await get(url(0).replace('condition_2=0', 'condition_2=1'))).json;
    expect(none).toEqual({ items: [], more: false, total: 0, page: 0, per_page: 5 });
  });

  it('serves image files with their content type', async () => {
    const name = 'NLF_0670_0726421423_362ECM_N0320604NCAM08111_01_095J01.png';
    const response = await fetch(`${replay.url}/images/${name}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect((await response.arrayBuffer()).byteLength).toBe(statSync(path.join(nasaFixtures, 'images', name)).size);
    expect((await fetch(`${replay.url}/images/missing.jpg`)).status).toBe(404);
  });
});

describe('replay server with --serve-images', () => {
  let replay: ReplayServer;
  let plain: ReplayServer;
  let cleanup: () => Promise<void>;
  const persevering = 'NLF_0394_0701921329_862ECM_N0170000NCAM02394_01_185J01_1200.jpg';
  const curious = 'FRA_397502305EDR_D0010000AUT_04096M_.JPG';
  beforeAll(async () => {
    const temp = await tempDir('mars-replay-images');
    cleanup = temp.cleanup;
    mkdirSync(path.join(temp.dir, 'images'));
    writeFileSync(path.join(temp.dir, 'images', persevering), 'jpeg bytes');
    writeFileSync(path.join(temp.dir, 'images', curious), 'jpeg bytes');
    const dirs = [temp.dir, nasaFixtures, replayFixtures];
    replay = await startReplayServer({ dir: dirs, serveImages: true });
    plain = await startReplayServer({ dir: dirs });
  });
  afterAll(async () => {
    await replay.close();
    await plain.close();
    await cleanup();
  });

  it('points img_src at itself where it has the image, and leaves the others alone', async () => {
    const photos = (await get(`${replay.url}/rovers/perseverance/photos?sol=394`)).json.photos;
    const rewritten = photos.filter((photo: { img_src: string }) => photo.img_src.startsWith(replay.url));
    expect(rewritten.map((photo: { img_src: string }) => photo.img_src)).toEqual([`${replay.url}/images/${persevering}`]);
    expect(photos.filter((photo: { img_src: string }) => photo.img_src.startsWith('https://mars.nasa.gov/'))).toHaveLength(49);
    expect(await (await fetch(`${replay.url}/images/${persevering}`)).text()).toBe('jpeg bytes');
    // The recording on disk is untouched.
    expect(readFileSync(path.join(nasaFixtures, 'photos', 'perseverance_sol394.json'), 'utf8')).not.toContain(replay.url);
  });

  it('rewrites feed image URLs too', async () => {
    const mars2020 = (await get(`${replay.url}/rss/api/?feed=raw_images&category=mars2020&sol=670`)).json.images[0];
    expect(mars2020.image_files.full_res).toBe(`${replay.url}/images/NLF_0670_0726421423_362ECM_N0320604NCAM08111_01_095J01.png`);
    const msl = (await get(`${replay.url}/api/v1/raw_image_items/?per_page=100&page=0&condition_2=0:sol:gte&condition_3=0:sol:lte`)).json.items;
    expect(msl.filter((item: { url: string }) => item.url.startsWith(replay.url)).map((item: { id: number }) => item.id)).toEqual([727]);
  });

  it('leaves URLs alone when not asked to', async () => {
    const photos = (await get(`${plain.url}/rovers/perseverance/photos?sol=394`)).json.photos;
    expect(photos.every((photo: { img_src: string }) => photo.img_src.startsWith('https://mars.nasa.gov/'))).toBe(true);
  });
});

describe('fault injection', () => {
  it('answers each URL with the failures first, then the recording', async () => {
    const replay = await startReplayServer({ dir: nasaFixtures, faults: failFirst([{ status: 429, headers: { 'retry-after': '2' } }, { status: 500 }]) });
    try {
      const url = `${replay.url}/manifests/spirit?api_key=A`;
      const first = await fetch(url);
      expect([first.status, first.headers.get('retry-after')]).toEqual([429, '2']);
      // The API key does not make it another URL.
      expect((await fetch(url.replace('api_key=A', 'api_key=B'))).status).toBe(500);
      expect((await fetch(url)).status).toBe(200);
    } finally {
      await replay.close();
    }
  });

  it('parses --fail-first', () => {
    const fault = parseFailFirst('429:2,503');
    const url = new URL('http://x/');
    expect(fault({ url, hits: 0 })).toMatchObject({ status: 429, headers: { 'retry-after': '2' } });
    expect(fault({ url, hits: 1 })).toMatchObject({ status: 503 });
    expect(fault({ url, hits: 2 })).toBeUndefined();
    expect(() => parseFailFirst('200')).toThrow('Expected HTTP error statuses like 429,500 for --fail-first but received "200"');
  });
});
