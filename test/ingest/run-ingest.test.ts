import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError } from '../../src/ingest/http-client.ts';
import type { IngestRequest } from '../../src/timelapse/ingest-request.ts';
import { quarantineObjectKey, type QuarantineEnvelope } from '../../src/timelapse/raw-objects.ts';
import { failFirst, htmlPage, malformedJson, neverEndingPager, onUrls, rateLimited, serverError, type ReplayFault } from '../../src/ingest/replay/faults.ts';
import { startReplayServer, type ReplayServer } from '../../src/ingest/replay/replay-server.ts';
import { runIngest, type IngestDeps } from '../../src/ingest/run-ingest.ts';
import { SourceNotConfiguredError } from '../../src/ingest/source-routing.ts';
import { ValidationError } from '../../src/platform/errors.ts';
import { ObjectStore } from '../../src/platform/object-store/object-store.ts';
import { startTestS3 } from '../support/s3.ts';
import { nasaFixtures, tempDir, uniqueName } from '../support/temp.ts';
import { allRecordings, configFor, countBy, failureOf, ingestLogger, readEnvelope, testHttpClient } from '../support/ingest.ts';

const NOW = new Date('2026-01-02T03:04:05.678Z');
const fixture = (relative: string) => JSON.parse(readFileSync(path.join(nasaFixtures, relative), 'utf8'));

describe('runIngest', () => {
  let s3: Awaited<ReturnType<typeof startTestS3>>;
  let replay: ReplayServer;
  const servers: ReplayServer[] = [];
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    s3 = await startTestS3();
    replay = await startReplayServer({ dir: allRecordings });
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    await replay.close();
    for (const cleanup of cleanups) await cleanup();
    await s3.close();
  });

  /** Each test writes into a bucket of its own on the shared s3rver. */
  async function freshStore(): Promise<ObjectStore> {
    const store = new ObjectStore({ endpoint: s3.s3.endpoint, accessKey: s3.s3.accessKey, secretKey: s3.s3.secretKey, bucket: uniqueName('ingest') });
    await store.ensureBucket();
    return store;
  }

  async function faultyServer(faults: ReplayFault, dir: string | string[] = allRecordings): Promise<ReplayServer> {
    const server = await startReplayServer({ dir, faults });
    servers.push(server);
    return server;
  }

  async function ingest(request: IngestRequest, options: { url?: string; store?: ObjectStore; env?: Record<string, string>; http?: ReturnType<typeof testHttpClient> } = {}) {
    const store = options.store ?? (await freshStore());
    const client = options.http ?? testHttpClient({ baseDelayMs: 10 });
    const deps: IngestDeps = {
      config: configFor(options.url ?? replay.url, options.env),
      store,
      http: client.http,
      logger: ingestLogger,
      now: () => NOW,
    };
    const summary = await runIngest(request, deps);
    return { summary, store, delays: client.delays };
  }

  async function keysOf(store: ObjectStore): Promise<string[]> {
    const keys: string[] = [];
    for await (const object of store.list('raw/')) keys.push(object.key);
    return keys.sort();
  }

  describe('photos from the classic API', () => {
    it.each([
      { rover: 'curiosity', sol: 0, photos: 3702, requests: 149, cameras: { MARDI: 3684, FHAZ: 8, RHAZ: 8, CHEMCAM: 2 } },
      {
        rover: 'perseverance',
        sol: 0,
        photos: 54,
        requests: 3,
        cameras: { EDL_DDCAM: 2, FRONT_HAZCAM_LEFT_A: 16, FRONT_HAZCAM_RIGHT_A: 11, REAR_HAZCAM_LEFT: 11, REAR_HAZCAM_RIGHT: 14 },
      },
      {
        rover: 'perseverance',
        sol: 394,
        photos: 50,
        requests: 3,
        cameras: { NAVCAM_LEFT: 20, NAVCAM_RIGHT: 20, FRONT_HAZCAM_LEFT_A: 4, FRONT_HAZCAM_RIGHT_A: 4, REAR_HAZCAM_LEFT: 1, REAR_HAZCAM_RIGHT: 1 },
      },
      { rover: 'opportunity', sol: 1, photos: 95, requests: 4, cameras: { PANCAM: 86, ENTRY: 3, FHAZ: 2, RHAZ: 2, NAVCAM: 2 } },
      { rover: 'spirit', sol: 1, photos: 77, requests: 4, cameras: { NAVCAM: 61, PANCAM: 9, ENTRY: 3, FHAZ: 2, RHAZ: 2 } },
    ] as const)('$rover sol $sol: $photos photos in one raw object, page by page', async ({ rover, sol, photos, requests, cameras }) => {
      const { summary, store } = await ingest({ source: 'photos', rover, solStart: sol, solEnd: sol });
      const key = `raw/photos/${rover}/sol-${sol}-${sol}/20260102T030405678Z.json`;
      expect(summary).toEqual({
        source: 'photos',
        rover,
        requests,
        records: photos,
        quarantined: 0,
        objectKeys: [key],
        quarantineKey: null,
        skippedSols: [],
        retries: 0,
        rateLimitWaits: 0,
        rateLimitWaitMs: 0,
      });
      const envelope = await readEnvelope(store, key);
      expect(envelope).toMatchObject({ source: 'photos', rover, solStart: sol, solEnd: sol, variant: null, ingestedAt: NOW.toISOString() });
      expect(envelope.requests).toHaveLength(requests);
      expect(envelope.requests[0]).toBe(`${replay.url}/rovers/${rover}/photos?sol=${sol}&page=1&api_key=***`);
      expect(countBy(envelope.records, (photo) => photo.camera.name)).toEqual(cameras);
      // Records land exactly as received, in the source's order.
      expect(envelope.records).toEqual(fixture(`photos/${rover}_sol${sol}.json`).photos);
    });

    it('cuts a sol range into batches, one object per batch, empty sols included', async () => {
      const { summary, store } = await ingest({ source: 'photos', rover: 'spirit', solStart: 0, solEnd: 12 }, { env: { INGEST_BATCH_SOLS: '5' } });
      expect(summary.objectKeys).toEqual([
        'raw/photos/spirit/sol-0-4/20260102T030405678Z.json',
        'raw/photos/spirit/sol-5-9/20260102T030405679Z.json',
        'raw/photos/spirit/sol-10-12/20260102T030405680Z.json',
      ]);
      // Sol 1 takes four pages; the twelve sols without photos one empty page each.
      expect(summary).toMatchObject({ requests: 16, records: 77, quarantined: 0, skippedSols: [] });
      expect((await readEnvelope(store, summary.objectKeys[1]!)).records).toEqual([]);
    });

    it('refuses a range over INGEST_MAX_SOLS before any request, naming the cap', async () => {
      await expect(ingest({ source: 'photos', rover: 'spirit', solStart: 0, solEnd: 600 })).rejects.toThrow(
        'sols 0-600 are 601 sols, over the 500 one ingestion command may cover (INGEST_MAX_SOLS): send ranges of at most 500 sols',
      );
      await expect(ingest({ source: 'photos', rover: 'spirit', solStart: 0, solEnd: 20 }, { env: { INGEST_MAX_SOLS: '20' } })).rejects.toThrow(/are 21 sols, over the 20 /);
    });

    it('skips sols already ingested except the look-back window, unless forced', async () => {
      const env = { INGEST_BATCH_SOLS: '5', INGEST_LOOKBACK_SOLS: '3' };
      const { store } = await ingest({ source: 'photos', rover: 'spirit', solStart: 0, solEnd: 12 }, { env });
      const again = await ingest({ source: 'photos', rover: 'spirit', solStart: 0, solEnd: 14 }, { env, store });
      // Highest ingested sol is 12: sols 10-12 are fetched again (late downlinks), 13-14 are new.
      expect(again.summary.skippedSols).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(again.summary).toMatchObject({ requests: 5, records: 0, objectKeys: ['raw/photos/spirit/sol-10-14/20260102T030405678Z.json'] });
      const forced = await ingest({ source: 'photos', rover: 'spirit', solStart: 0, solEnd: 3, force: true }, { env, store });
      expect(forced.summary).toMatchObject({ skippedSols: [], requests: 7, records: 77 });
    });

    it('gets exactly the same records from a server that answers 429 (Retry-After) then 500 for every URL', async () => {
      const clean = await ingest({ source: 'photos', rover: 'spirit', solStart: 1, solEnd: 2 });
      const server = await faultyServer(failFirst([rateLimited('1'), serverError()]));
      const flaky = await ingest({ source: 'photos', rover: 'spirit', solStart: 1, solEnd: 2 }, { url: server.url });
      expect(flaky.summary.records).toBe(77);
      expect(flaky.summary.requests).toBe(3 * clean.summary.requests);
      const cleanRecords = (await readEnvelope(clean.store, clean.summary.objectKeys[0]!)).records;
      expect((await readEnvelope(flaky.store, flaky.summary.objectKeys[0]!)).records).toEqual(cleanRecords);
      // Each of the five URLs waited the second Retry-After asked for, then a short backoff after the 500.
      expect(flaky.delays.filter((ms) => ms === 1000)).toHaveLength(5);
      expect(flaky.delays.filter((ms) => ms <= 20)).toHaveLength(5);
    });

    it('quarantines records of the wrong type or sol, with URL and reason, and keeps the good ones', async () => {
      const { dir, cleanup } = await tempDir('mars-bad-photos');
      cleanups.push(cleanup);
      const response = fixture('photos/spirit_sol1.json');
      response.photos[0].id = 'not-a-number';
      response.photos[30].img_src = 42;
      response.photos[60].sol = 2;
      response.photos[76].camera = null;
      mkdirSync(path.join(dir, 'photos'));
      writeFileSync(path.join(dir, 'photos', 'spirit_sol1.json'), JSON.stringify(response));
      const server = await faultyServer(() => undefined, [dir, nasaFixtures]);

      const { summary, store } = await ingest({ source: 'photos', rover: 'spirit', solStart: 1, solEnd: 1 }, { url: server.url });
      const quarantineKey = quarantineObjectKey({ source: 'photos', rover: 'spirit', ingestedAt: '2026-01-02T03:04:05.679Z' });
      expect(summary).toMatchObject({ records: 73, quarantined: 4, quarantineKey });
      const envelope = (await store.getJson(quarantineKey)) as QuarantineEnvelope;
      expect(envelope.items.map((item) => [item.url.replace(server.url, ''), item.reason])).toEqual([
        ['/rovers/spirit/photos?sol=1&page=1&api_key=***', 'record 0: id: Invalid input: expected number, received string'],
        ['/rovers/spirit/photos?sol=1&page=2&api_key=***', 'record 5: img_src: Invalid input: expected string, received number'],
        ['/rovers/spirit/photos?sol=1&page=3&api_key=***', 'record 10: sol 2 is not the requested sol 1'],
        ['/rovers/spirit/photos?sol=1&page=4&api_key=***', 'record 1: camera: Invalid input: expected object, received null'],
      ]);
      expect(envelope.items[0]!.record).toEqual(response.photos[0]);
      const raw = await readEnvelope(store, summary.objectKeys[0]!);
      expect(raw.records).toHaveLength(73);
      expect(raw.records).not.toContainEqual(response.photos[30]);
    });

    it('still writes the quarantine when a later batch fails', async () => {
      const { dir, cleanup } = await tempDir('mars-bad-then-broken');
      cleanups.push(cleanup);
      const response = fixture('photos/spirit_sol1.json');
      response.photos[3].earth_date = 'yesterday';
      mkdirSync(path.join(dir, 'photos'));
      writeFileSync(path.join(dir, 'photos', 'spirit_sol1.json'), JSON.stringify(response));
      const server = await faultyServer(onUrls(/sol=2&/, () => malformedJson()), [dir, nasaFixtures]);
      const store = await freshStore();
      const failure = await failureOf(ingest({ source: 'photos', rover: 'spirit', solStart: 1, solEnd: 2 }, { url: server.url, store, env: { INGEST_BATCH_SOLS: '1' } }));
      expect(failure.code).toBe('HTTP_BAD_JSON');
      expect(await keysOf(store)).toEqual(['raw/photos/spirit/sol-1-1/20260102T030405678Z.json', 'raw/quarantine/photos/spirit/20260102T030405679Z.json']);
      const envelope = (await store.getJson('raw/quarantine/photos/spirit/20260102T030405679Z.json')) as QuarantineEnvelope;
      expect(envelope.items.map((item) => item.reason)).toEqual(['record 3: earth_date: Invalid ISO date']);
    });

    it.each([
      { what: 'malformed JSON', fault: malformedJson(), code: 'HTTP_BAD_JSON', message: /^malformed JSON from http:\/\/127\.0\.0\.1:\d+\/rovers\/spirit\/photos\?sol=1&page=1&api_key=\*\*\*: / },
      {
        what: 'an HTML error page',
        fault: htmlPage(200),
        code: 'HTTP_NOT_JSON',
        message: /^expected JSON from .*sol=1&page=1&api_key=\*\*\* but received an HTML page titled "Service Unavailable" \(HTTP 200\)$/,
      },
      { what: 'a 404', fault: { status: 404, json: { errors: 'Invalid Rover Name' } }, code: 'HTTP_STATUS', message: /^HTTP 404 Not Found from .*: \{"errors":"Invalid Rover Name"\}$/ },
    ])('fails on $what without retrying and writes no raw object for the batch', async ({ fault, code, message }) => {
      const server = await faultyServer(onUrls(/sol=1&page=1/, () => fault));
      const store = await freshStore();
      const http = testHttpClient({ baseDelayMs: 10 });
      const failure = await failureOf(ingest({ source: 'photos', rover: 'spirit', solStart: 1, solEnd: 1 }, { url: server.url, store, http }));
      expect(failure).toBeInstanceOf(HttpError);
      expect(failure.code).toBe(code);
      expect(failure.retriable).toBe(false);
      expect(failure.message).toMatch(message);
      expect(http.http.requestCount).toBe(1);
      expect(await keysOf(store)).toEqual([]);
    });

    it('fails on a body over the size cap, without retrying, and writes nothing', async () => {
      const store = await freshStore();
      const http = testHttpClient({ maxResponseBytes: 4096 });
      const failure = await failureOf(ingest({ source: 'photos', rover: 'curiosity', solStart: 0, solEnd: 0 }, { store, http }));
      expect(failure.code).toBe('HTTP_TOO_LARGE');
      expect(failure.message).toMatch(/^response from .*\/rovers\/curiosity\/photos\?sol=0&page=1&api_key=\*\*\* is larger than the 4096-byte cap/);
      expect(http.http.requestCount).toBe(1);
      expect(await keysOf(store)).toEqual([]);
    });

    it('retries an HTML page sent with a 503 and then succeeds', async () => {
      const server = await faultyServer(failFirst([htmlPage(503)]));
      const { summary } = await ingest({ source: 'photos', rover: 'spirit', solStart: 1, solEnd: 1 }, { url: server.url });
      expect(summary).toMatchObject({ records: 77, requests: 8 });
    });

    it('stops a pager that repeats its page, naming the page', async () => {
      const server = await faultyServer(neverEndingPager({ repeat: true }));
      const failure = await failureOf(ingest({ source: 'photos', rover: 'curiosity', solStart: 5, solEnd: 5 }, { url: server.url }));
      expect(failure.code).toBe('PAGER_NEVER_ENDS');
      expect(failure.message).toMatch(/^curiosity photos of sol 5: page 2 repeats the items of page 1 \(.*page=2.*\); the server does not page, so paging stopped$/);
    });
  });

  describe('manifests', () => {
    it.each([
      { rover: 'curiosity', sols: 3575, total: 672_292, maxSol: 3919 },
      { rover: 'spirit', sols: 2115, total: 124_550, maxSol: 2208 },
    ] as const)('$rover: one object holding the photo_manifest record ($sols sol entries)', async ({ rover, sols, total, maxSol }) => {
      const { summary, store } = await ingest({ source: 'manifests', rover });
      expect(summary).toEqual({
        source: 'manifests',
        rover,
        requests: 1,
        records: 1,
        quarantined: 0,
        objectKeys: [`raw/manifests/${rover}/20260102T030405678Z.json`],
        quarantineKey: null,
        skippedSols: [],
        retries: 0,
        rateLimitWaits: 0,
        rateLimitWaitMs: 0,
      });
      const envelope = await readEnvelope(store, summary.objectKeys[0]!);
      expect(envelope).toMatchObject({ solStart: null, solEnd: null, variant: null });
      const manifest = envelope.records[0] as { max_sol: number; total_photos: number; photos: Array<{ total_photos: number }> };
      expect(manifest).toEqual(fixture(`manifests/manifest_${rover}.json`).photo_manifest);
      expect(manifest.max_sol).toBe(maxSol);
      expect(manifest.photos).toHaveLength(sols);
      expect(manifest.photos.reduce((sum, entry) => sum + entry.total_photos, 0)).toBe(total);
    });

    it('quarantines a manifest of the wrong shape and writes no raw object', async () => {
      const server = await faultyServer(() => ({ json: { photo_manifest: { name: 'Spirit', max_sol: 'many' } } }));
      const { summary, store } = await ingest({ source: 'manifests', rover: 'spirit' }, { url: server.url });
      expect(summary).toMatchObject({ records: 0, quarantined: 1, objectKeys: [] });
      const envelope = (await store.getJson(summary.quarantineKey!)) as QuarantineEnvelope;
      expect(envelope.items[0]!.reason).toMatch(/^record 0: landing_date: Invalid input: expected string, received undefined; /);
      expect(envelope.items[0]!.reason).toContain('max_sol: Invalid input: expected number, received string');
    });
  });

  describe('MMGIS traverse', () => {
    it.each([
      { rover: 'perseverance', mission: 'M20', traverse: 522, waypoints: 1 },
      { rover: 'curiosity', mission: 'MSL', traverse: 1273, waypoints: 1 },
    ] as const)('$rover: one object per layer, features as received', async ({ rover, mission, traverse, waypoints }) => {
      const { summary, store } = await ingest({ source: 'traverse', rover });
      expect(summary).toMatchObject({
        requests: 2,
        records: traverse + waypoints,
        quarantined: 0,
        objectKeys: [`raw/traverse/${rover}/traverse/20260102T030405678Z.json`, `raw/traverse/${rover}/waypoints/20260102T030405679Z.json`],
      });
      const layer = await readEnvelope(store, summary.objectKeys[0]!);
      expect(layer).toMatchObject({ variant: 'traverse', requests: [`${replay.url}/${mission}/Layers/json/${mission}_traverse.json`] });
      expect(layer.records).toEqual(fixture(`traverse/${mission}_traverse.json`).features);
      expect((await readEnvelope(store, summary.objectKeys[1]!)).records).toHaveLength(waypoints);
    });

    it('accepts Curiosity features that carry only Length, and quarantines a property of the wrong type', async () => {
      const { dir, cleanup } = await tempDir('mars-bad-layer');
      cleanups.push(cleanup);
      const layer = fixture('traverse/MSL_traverse.json');
      layer.features[3].properties.Length = 'far';
      layer.features[7].geometry = null;
      mkdirSync(path.join(dir, 'traverse'));
      writeFileSync(path.join(dir, 'traverse', 'MSL_traverse.json'), JSON.stringify(layer));
      const server = await faultyServer(() => undefined, [dir, nasaFixtures]);
      const { summary, store } = await ingest({ source: 'traverse', rover: 'curiosity' }, { url: server.url });
      expect(summary).toMatchObject({ records: 1272, quarantined: 2 });
      const envelope = (await store.getJson(summary.quarantineKey!)) as QuarantineEnvelope;
      expect(envelope.items.map((item) => item.reason)).toEqual([
        'record 3: properties.Length: Invalid input: expected number, received string',
        'record 7: geometry: Invalid input: expected object, received null',
      ]);
    });

    it('says MMGIS has no layers for Spirit', async () => {
      await expect(ingest({ source: 'traverse', rover: 'spirit' })).rejects.toThrow(
        'MMGIS has no traverse layers for spirit; it has them for perseverance and curiosity',
      );
    });
  });

  describe('raw-image feeds', () => {
    it('Perseverance (mars2020): items of each sol, kept with sample type, SCLK and dimension', async () => {
      const { summary, store } = await ingest({ source: 'feed', rover: 'perseverance', solStart: 670, solEnd: 670 });
      expect(summary).toMatchObject({ requests: 1, records: 1, quarantined: 0, objectKeys: ['raw/feeds/perseverance/sol-670-670/20260102T030405678Z.json'] });
      const envelope = await readEnvelope(store, summary.objectKeys[0]!);
      expect(envelope.variant).toBe('mars2020');
      expect(envelope.requests).toEqual([`${replay.url}/rss/api/?feed=raw_images&category=mars2020&feedtype=json&sol=670&num=100&page=0`]);
      expect(envelope.records[0]).toMatchObject({
        imageid: 'NLF_0670_0726421423_362ECM_N0320604NCAM08111_01_095J',
        sample_type: 'Full',
        date_taken_utc: '2023-01-08T03:53:04.187',
        extended: { sclk: '726421425.133', dimension: '(1288,968)' },
      });
    });

    it('Perseverance sol 394: 50 items over the batch, per-instrument counts', async () => {
      const { summary, store } = await ingest({ source: 'feed', rover: 'perseverance', solStart: 393, solEnd: 395 });
      expect(summary).toMatchObject({ requests: 3, records: 50, objectKeys: ['raw/feeds/perseverance/sol-393-395/20260102T030405678Z.json'] });
      const envelope = await readEnvelope(store, summary.objectKeys[0]!);
      expect(countBy(envelope.records, (item) => item.camera.instrument)).toEqual({
        NAVCAM_LEFT: 20,
        NAVCAM_RIGHT: 20,
        FRONT_HAZCAM_LEFT_A: 4,
        FRONT_HAZCAM_RIGHT_A: 4,
        REAR_HAZCAM_LEFT: 1,
        REAR_HAZCAM_RIGHT: 1,
      });
    });

    it('Curiosity (msl): one paged query per batch of sols', async () => {
      const { summary, store } = await ingest({ source: 'feed', rover: 'curiosity', solStart: 0, solEnd: 2 });
      expect(summary).toMatchObject({ requests: 1, records: 18, quarantined: 0, objectKeys: ['raw/feeds/curiosity/sol-0-2/20260102T030405678Z.json'] });
      const envelope = await readEnvelope(store, summary.objectKeys[0]!);
      expect(envelope.variant).toBe('msl');
      expect(envelope.requests[0]).toBe(
        `${replay.url}/api/v1/raw_image_items/?order=sol%20desc&per_page=100&page=0&condition_1=msl:mission&condition_2=0:sol:gte&condition_3=2:sol:lte`,
      );
      expect(countBy(envelope.records, (item) => `${item.instrument} ${item.sample_type}`)).toEqual({
        'FHAZ_RIGHT_A full': 2,
        'FHAZ_RIGHT_A downsampled': 2,
        'FHAZ_LEFT_A full': 2,
        'FHAZ_LEFT_A downsampled': 2,
        'RHAZ_RIGHT_A full': 2,
        'RHAZ_RIGHT_A downsampled': 2,
        'RHAZ_LEFT_A full': 2,
        'RHAZ_LEFT_A downsampled': 2,
        'CHEMCAM_RMI full': 2,
      });
    });

    it('says there is no feed for Opportunity', async () => {
      await expect(ingest({ source: 'feed', rover: 'opportunity', solStart: 1, solEnd: 1 })).rejects.toThrow(
        'mars.nasa.gov has no raw-image feed for opportunity',
      );
    });
  });

  it('refuses a request without sols for photos, naming the field', async () => {
    const failure = await failureOf(ingest({ source: 'photos', rover: 'curiosity' } as IngestRequest));
    expect(failure).toBeInstanceOf(ValidationError);
    expect(failure.message).toBe('invalid ingest request: solStart: expected a sol range for photos (solStart and solEnd)');
  });

  it.each([
    { source: 'photos', variable: 'NASA_API_BASE_URL' },
    { source: 'feed', variable: 'MARS_RAW_BASE_URL' },
    { source: 'traverse', variable: 'MMGIS_BASE_URL' },
  ] as const)('says which variable to set when $source has no source URL', async ({ source, variable }) => {
    const store = await freshStore();
    const failure = await failureOf(runIngest(
      { source, rover: 'curiosity', solStart: 0, solEnd: 0 },
      { config: configFor(undefined), store, http: testHttpClient().http, logger: ingestLogger },
    ));
    expect(failure).toBeInstanceOf(SourceNotConfiguredError);
    expect(failure.message).toMatch(new RegExp(`^${variable} is not set: set it to `));
  });
});

