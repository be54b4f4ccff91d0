import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nasaFixtures } from '../support/temp.ts';
import { fetchPhotosForSol } from '../../src/ingest/sources/classic-photos.ts';
import { fetchMars2020Sol, fetchMslSols, MslItemSchema } from '../../src/ingest/sources/raw-feeds.ts';
import { neverEndingPager } from '../../src/ingest/replay/faults.ts';
import { startReplayServer, type ReplayServer } from '../../src/ingest/replay/replay-server.ts';
import { allRecordings, failureOf, testHttpClient } from '../support/ingest.ts';

describe('source adapters', () => {
  let replay: ReplayServer;
  let endless: ReplayServer;
  beforeAll(async () => {
    replay = await startReplayServer({ dir: allRecordings });
    endless = await startReplayServer({ dir: allRecordings, faults: neverEndingPager({ repeat: false }) });
  });
  afterAll(async () => {
    await replay.close();
    await endless.close();
  });

  it('stops a pager that never ends at the page cap', async () => {
    const { http } = testHttpClient();
    const failure = await failureOf(fetchPhotosForSol(http, { baseUrl: endless.url, apiKey: 'K' }, 'curiosity', 3, { maxPages: 5 }));
    expect(failure.code).toBe('PAGER_NEVER_ENDS');
    expect(failure.message).toBe(
      `curiosity photos of sol 3: still no last page after 5 pages (the page cap); paging stopped at ${endless.url}/rovers/curiosity/photos?sol=3&page=5&api_key=***`,
    );
    expect(http.requestCount).toBe(5);
  });

  it('takes everything at once from a server that ignores `page`', async () => {
    const all = await (await fetch(`${replay.url}/rovers/spirit/photos?sol=1`)).json();
    const unpaged = await startReplayServer({ dir: allRecordings, faults: () => ({ json: all }) });
    try {
      const { http } = testHttpClient();
      const batch = await fetchPhotosForSol(http, { baseUrl: unpaged.url, apiKey: 'K' }, 'spirit', 1);
      expect(batch.records).toHaveLength(77);
      expect(http.requestCount).toBe(1);
    } finally {
      await unpaged.close();
    }
  });

  it('pages the Perseverance feed until a short page', async () => {
    const { http } = testHttpClient();
    const batch = await fetchMars2020Sol(http, replay.url, 394, { perPage: 20 });
    expect(batch.records).toHaveLength(50);
    expect(batch.requests.map((url) => new URL(url).searchParams.get('page'))).toEqual(['0', '1', '2']);
    expect(batch.quarantine).toEqual([]);
  });

  it('stops the Perseverance feed when the total is reached, without asking for an empty page', async () => {
    const { http } = testHttpClient();
    const batch = await fetchMars2020Sol(http, replay.url, 394, { perPage: 25 });
    expect(batch.records).toHaveLength(50);
    expect(http.requestCount).toBe(2);
  });

  it('pages the Curiosity feed until `more` is false', async () => {
    const { http } = testHttpClient();
    const batch = await fetchMslSols(http, replay.url, 0, 0, { perPage: 5 });
    expect(batch.records).toHaveLength(18);
    expect(http.requestCount).toBe(4);
    const exact = testHttpClient();
    expect((await fetchMslSols(exact.http, replay.url, 0, 0, { perPage: 18 })).records).toHaveLength(18);
    expect(exact.http.requestCount).toBe(1);
  });

  it('parses the recorded Curiosity raw_image_items response as it is (sample type under `extended`, `https_url`), asking for page 0 only', async () => {
    const recorded = JSON.parse(await readFile(path.join(nasaFixtures, 'raw-feeds/msl_raw_image_items_sol1489.json'), 'utf8'));
    const server = await startReplayServer({ dir: allRecordings, faults: () => ({ json: recorded }) });
    try {
      const { http } = testHttpClient();
      const batch = await fetchMslSols(http, server.url, 1489, 1489, { perPage: 10 });
      expect(batch.quarantine).toEqual([]);
      expect(batch.records).toEqual(recorded.items);
      expect(batch.requests.map((url) => new URL(url).searchParams.get('page'))).toEqual(['0']);
      const item = MslItemSchema.parse(batch.records[0]);
      expect([item.extended?.sample_type, item.https_url]).toEqual([
        'subframe',
        'https://mars.jpl.nasa.gov/msl-raw-images/msss/01489/mcam/1489ML0074780020603644D01_DXXX.jpg',
      ]);
    } finally {
      await server.close();
    }
  });

  it('stops the Curiosity feed at the announced total when a response carries no `more`', async () => {
    const items = Array.from({ length: 4 }, (_, i) => ({ id: i + 1, sol: 5, instrument: 'NAV_LEFT_B', url: `https://mars.nasa.gov/${i}.jpg` }));
    const server = await startReplayServer({
      dir: allRecordings,
      faults: ({ url }) => {
        const page = Number(url.searchParams.get('page'));
        return { json: { items: items.slice(page * 2, page * 2 + 2), total: items.length } };
      },
    });
    try {
      const { http } = testHttpClient();
      const batch = await fetchMslSols(http, server.url, 5, 5, { perPage: 2 });
      expect(batch.records).toEqual(items);
      expect(http.requestCount).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('quarantines feed items of the wrong sol or without an image URL', async () => {
    const bad = await startReplayServer({
      dir: allRecordings,
      faults: () => ({
        json: {
          images: [
            { imageid: 'A', sol: 10, camera: { instrument: 'NAVCAM_LEFT' }, image_files: { full_res: 'https://mars.nasa.gov/a.png' } },
            { imageid: 'B', sol: 11, camera: { instrument: 'NAVCAM_LEFT' }, image_files: { full_res: 'https://mars.nasa.gov/b.png' } },
            { imageid: 'C', sol: 10, camera: { instrument: 'NAVCAM_LEFT' }, image_files: {} },
          ],
          total_results: 3,
        },
      }),
    });
    try {
      const { http } = testHttpClient();
      const batch = await fetchMars2020Sol(http, bad.url, 10);
      expect(batch.records.map((item) => (item as { imageid: string }).imageid)).toEqual(['A']);
      expect(batch.quarantine.map((item) => item.reason)).toEqual(['record 1: sol 11 is not the requested sol 10', 'record 2: image_files: expected at least one image URL']);
    } finally {
      await bad.close();
    }
  });
});
