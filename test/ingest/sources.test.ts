import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchPhotosForSol } from '../../src/ingest/sources/classic-photos.ts';
import { fetchMars2020Sol, fetchMslSols } from '../../src/ingest/sources/raw-feeds.ts';
import { neverEndingPager } from '../../src/ingest/replay/faults.ts';
import { startReplayServer, type ReplayServer } from '../../src/ingest/replay/replay-server.ts';
import { allRecordings, failureOf, testHttpClient } from './support.ts';

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
