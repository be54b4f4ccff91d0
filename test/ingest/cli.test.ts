import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summaryLine } from '../../src/cli/commands/ingest.ts';
import { startReplayServer, type ReplayServer } from '../../src/ingest/replay/replay-server.ts';
import { nasaFixtures, tempDir } from '../support/temp.ts';
import { allRecordings } from '../support/ingest.ts';
import { mars as runMars } from '../support/mars-cli.ts';
import { deletePrefix, freePort, testRedisUrl, uniquePrefix } from '../support/redis.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const marsBin = path.join(root, 'bin', 'mars.js');

/** `mars …` with only the given variables set (besides PATH and HOME). */
const mars = (args: string[], env: Record<string, string>) => runMars(env, ...args);

describe('mars ingest', () => {
  let replay: ReplayServer;
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let env: Record<string, string>;
  const prefix = uniquePrefix();
  beforeAll(async () => {
    replay = await startReplayServer({ dir: allRecordings });
    ({ dir: dataDir, cleanup } = await tempDir('mars-cli-ingest'));
    env = { DATA_DIR: dataDir, NASA_API_BASE_URL: replay.url, MARS_RAW_BASE_URL: replay.url, MMGIS_BASE_URL: replay.url, INGEST_LOOKBACK_SOLS: '0', REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix };
  });
  afterAll(async () => {
    await deletePrefix(testRedisUrl(), prefix);
    await replay.close();
    await cleanup();
  });

  it('ingests photos into the embedded object store, with progress lines on stderr and one summary line on stdout', async () => {
    const run = await mars(['ingest', 'photos', '--rover', 'spirit', '--sols', '0-2'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('ingested photos for spirit: 6 requests, 77 records, 0 quarantined, 1 object written\n');
    expect(run.stderr).toContain('ingest photos spirit: 0/3 start\n');
    expect(run.stderr).toContain('ingest photos spirit: 3/3 sol ');

    // The object store keeps its data under DATA_DIR: a second run sees what the first wrote.
    const again = await mars(['ingest', 'photos', '--rover', 'spirit', '--sols', '0-3', '--json'], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ source: 'photos', rover: 'spirit', requests: 1, records: 0, skippedSols: [0, 1, 2] });
  });

  it('adds each run to the run history the pipeline page shows, a failed one with its error', async () => {
    const history = async () => {
      const query = await mars(['query', 'SELECT run_id, source, rover_name, status, requests, records, objects, error FROM MARS_OPS.INGEST_RUNS ORDER BY started_at', '--json'], env);
      expect(query.code).toBe(0);
      return JSON.parse(query.stdout) as Array<Record<string, unknown>>;
    };
    const before = (await history()).length;
    const done = await mars(['ingest', 'photos', '--rover', 'spirit', '--sols', '4', '--json'], env);
    expect(done.code).toBe(0);
    const summary = JSON.parse(done.stdout) as { requests: number; records: number; objectKeys: string[] };

    // A mirror that has nothing recorded answers 404: the command fails and the run says why.
    const { dir: emptyDir, cleanup: removeEmpty } = await tempDir('mars-cli-empty');
    const empty = await startReplayServer({ dir: emptyDir });
    try {
      const failed = await mars(['ingest', 'manifests', '--rover', 'spirit'], { ...env, NASA_API_BASE_URL: empty.url });
      expect(failed.code).toBe(1);
    } finally {
      await empty.close();
      await removeEmpty();
    }

    const runs = (await history()).slice(before);
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({ source: 'photos', rover_name: 'spirit', status: 'completed', requests: summary.requests, records: summary.records, objects: summary.objectKeys.length, error: null });
    expect(runs[1]).toMatchObject({ source: 'manifests', rover_name: 'spirit', status: 'failed', records: 0, objects: 0 });
    expect(String(runs[1]!.error)).toContain('404');
    expect(String(runs[0]!.run_id)).toMatch(/^cli\//);
    expect(runs[0]!.run_id).not.toBe(runs[1]!.run_id);
  });

  it('ingests the other sources the same way', async () => {
    const manifests = await mars(['ingest', 'manifests', '--rover', 'curiosity'], env);
    expect(manifests.stdout).toBe('ingested manifests for curiosity: 1 request, 1 record, 0 quarantined, 1 object written\n');
    const traverse = await mars(['ingest', 'traverse', '--rover', 'perseverance'], env);
    expect(traverse.stdout).toBe('ingested traverse for perseverance: 2 requests, 523 records, 0 quarantined, 2 objects written\n');
    const feed = await mars(['ingest', 'feed', '--rover', 'curiosity', '--sols', '0'], env);
    expect(feed.stdout).toBe('ingested feed for curiosity: 1 request, 18 records, 0 quarantined, 1 object written\n');
  });

  it('spends the NASA budget the service spends, counted in Redis', async () => {
    const redis = new Redis(testRedisUrl());
    try {
      const before = await redis.zcard(`${prefix}:nasa-requests`);
      const run = await mars(['ingest', 'manifests', '--rover', 'spirit', '--json'], env);
      expect(run.code).toBe(0);
      const { requests } = JSON.parse(run.stdout) as { requests: number };
      expect(requests).toBeGreaterThan(0);
      expect(await redis.zcard(`${prefix}:nasa-requests`)).toBe(before + requests);
    } finally {
      redis.disconnect();
    }
  });

  it('fails at once, naming REDIS_URL, when Redis does not answer', async () => {
    const port = await freePort();
    const run = await mars(['ingest', 'manifests', '--rover', 'spirit'], { ...env, REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`Redis at redis://127.0.0.1:${port} does not answer`);
    expect(run.stderr).toContain('set REDIS_URL');
  });

  it('fails naming the variable to set when the source URL is unset', async () => {
    const run = await mars(['ingest', 'photos', '--rover', 'curiosity', '--sols', '0'], { DATA_DIR: dataDir });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^mars: NASA_API_BASE_URL is not set: set it to the root of the classic Mars Rover Photos API schema/);
  });

  it('refuses a bad sol range and a missing one', async () => {
    const bad = await mars(['ingest', 'photos', '--rover', 'curiosity', '--sols', '9-3'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('mars: Expected the range\'s end to be >= its start for --sols but received "9-3"\n');
    const missing = await mars(['ingest', 'feed', '--rover', 'curiosity'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('mars: mars ingest feed: solStart: expected a sol range for feed (solStart and solEnd)\n');
  });
});

describe('mars replay', () => {
  it('prints its URL, serves the folder, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [marsBin, 'replay', '--dir', nasaFixtures, '--port', '0'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk) => {
          out += chunk;
          if (out.includes('\n')) resolve(out.trim());
        });
        child.on('close', () => reject(new Error(`mars replay exited early: ${out}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const manifest = (await (await fetch(`${url}/manifests/spirit`)).json()) as { photo_manifest: { total_photos: number } };
      expect(manifest.photo_manifest.total_photos).toBe(124_550);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

describe('the closing summary line', () => {
  it('names skipped sols and the quarantine object', () => {
    expect(
      summaryLine({
        source: 'photos',
        rover: 'spirit',
        requests: 1,
        records: 73,
        quarantined: 4,
        retries: 0,
        rateLimitWaits: 0,
        rateLimitWaitMs: 0,
        objectKeys: ['raw/photos/spirit/sol-1-1/t.json'],
        quarantineKey: 'raw/quarantine/photos/spirit/t.json',
        skippedSols: [0],
      }),
    ).toBe('ingested photos for spirit: 1 request, 73 records, 4 quarantined, 1 object written, 1 sol skipped (already ingested) (quarantine: raw/quarantine/photos/spirit/t.json)');
  });
});
