// Media pipeline benchmark (part of `npm run bench`; alone:
//   node --import tsx -e "import('./bench/media.ts').then(m=>m.runMediaBench())"
// ). Prints frames per second for analysis + normalisation (pool and single thread), encode
// frames per second, and the end-to-end render of 300 cached 1024x1024 originals against a bare
// ffmpeg encode of the same JPEG files with the same codec settings, as a ratio; peak memory.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { InlineFramePool, WorkerFramePool, type FramePool } from '../src/media/frame-pool.ts';
import { outputArguments } from '../src/media/ffmpeg-encoder.ts';
import { renderTimelapse } from '../src/media/render-timelapse.ts';
import type { FrameCandidate } from '../src/timelapse/frame-candidate.ts';
import { RenderOptionsSchema } from '../src/timelapse/render-options.ts';
import { loadConfig } from '../src/platform/config.ts';
import { silentLogger } from '../src/platform/logger.ts';
import { EmbeddedS3 } from '../src/platform/object-store/embedded-s3.ts';
import { ObjectStore } from '../src/platform/object-store/object-store.ts';
import { DuckDbWarehouse } from '../src/warehouse/duckdb-warehouse.ts';
import { ensureLineageSchema, LineageStore } from '../src/warehouse/lineage/lineage-store.ts';
import { originalKey } from '../src/timelapse/object-keys.ts';

const require = createRequire(import.meta.url);
const FRAMES = 300;
/** Bare/render pairs, alternating, so that a busy moment of the machine does not pick a side. */
const ROUNDS = 3;
const SIZE = 1024;
const SOURCE = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..', 'test', 'fixtures', 'nasa', 'images', 'ZL0_0053_0671642352_402ECM_N0032046ZCAM05025_110085J01.png');

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/** 300 frames of 1024x1024 panning across a real Mastcam-Z frame, written as JPEG files. */
async function deriveFrames(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const original = await sharp(SOURCE).raw().toBuffer({ resolveWithObject: true });
  const files: string[] = [];
  for (let i = 0; i < FRAMES; i++) {
    const left = Math.round(((original.info.width - SIZE) * i) / (FRAMES - 1));
    const top = Math.round((original.info.height - SIZE) * (0.5 + 0.5 * Math.sin(i / 9)));
    const file = path.join(dir, `f${String(i).padStart(4, '0')}.jpg`);
    await sharp(original.data, { raw: original.info }).extract({ left, top, width: SIZE, height: SIZE }).jpeg({ quality: 90 }).toFile(file);
    files.push(file);
  }
  return files;
}

/**
 * Frames per second through the pool: decode, measure and contact tile, plus with `normalise`
 * the output frame handed back as raw RGB (the path captions take; without it the files go to
 * ffmpeg as they are).
 */
async function analysisFps(pool: FramePool, files: string[], normalise: boolean): Promise<number> {
  const started = performance.now();
  const task = (path: string) =>
    pool.run({ path, limitInputPixels: 1e8, output: normalise ? { width: 960, height: 720, fit: 'letterbox' } : undefined, tile: { width: 160, height: 120 } });
  const inFlight: Array<Promise<unknown>> = [];
  let next = 0;
  while (next < files.length && inFlight.length < pool.concurrency * 4) inFlight.push(task(files[next++]!));
  while (inFlight.length > 0) {
    await inFlight.shift();
    if (next < files.length) inFlight.push(task(files[next++]!));
  }
  return files.length / ((performance.now() - started) / 1000);
}

/** The reference: ffmpeg alone encoding the same JPEG files with the render's codec settings. */
async function bareEncode(ffmpegPath: string, dir: string, out: string, options: { crf: number; preset: string; fps: number }): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(ffmpegPath, ['-y', '-loglevel', 'error', '-framerate', String(options.fps), '-i', path.join(dir, 'f%04d.jpg'), ...outputArguments({ format: 'mp4', ...options }), out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${stderr}`))));
  });
  return performance.now() - started;
}

export async function runMediaBench(): Promise<void> {
  const work = path.join(os.tmpdir(), `mars-media-bench-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  const framesDir = path.join(work, 'frames');
  const ffmpegPath = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  const options = RenderOptionsSchema.parse({});
  const s3 = new EmbeddedS3({ directory: path.join(work, 's3'), bucket: 'mars' });
  let warehouse: DuckDbWarehouse | undefined;
  const pool = new WorkerFramePool();
  const inline = new InlineFramePool();
  try {
    console.log(`media bench: ${os.availableParallelism()} cores, ${FRAMES} frames of ${SIZE}x${SIZE} derived from a real Mastcam-Z frame`);
    const files = await deriveFrames(framesDir);

    // Analysis + normalisation (decode, metrics, output frame, contact tile), per frame.
    await analysisFps(pool, files.slice(0, 8), true); // warm the worker threads
    for (const normalise of [false, true]) {
      const single = await analysisFps(inline, files.slice(0, 100), normalise);
      const pooled = await analysisFps(pool, files.slice(0, 100), normalise);
      console.log(
        `${normalise ? 'analysis + normalisation to 960x720 raw frames' : 'analysis (decode, metrics, tile)'}: ` +
          `${single.toFixed(1)} frames/s single thread, ${pooled.toFixed(1)} frames/s with ${pool.concurrency} worker threads`,
      );
    }

    // The object store holds the originals, IMAGE_ASSETS knows them: a render downloads nothing.
    await s3.start();
    const store = new ObjectStore({ endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, bucket: 'mars' });
    await store.ensureBucket();
    warehouse = await DuckDbWarehouse.open(path.join(work, 'bench.duckdb'));
    await ensureLineageSchema(warehouse);
    const lineage = new LineageStore(warehouse);
    const candidates: FrameCandidate[] = [];
    for (const [i, file] of files.entries()) {
      const candidate: FrameCandidate = { imageId: `BENCH_${i}`, rover: 'Perseverance', camera: 'MCZ_LEFT', sol: 53, imgSrc: `https://mars.nasa.gov/bench/${i}.jpg` };
      const key = originalKey(candidate, 'jpg');
      const body = await readFile(file);
      await store.putBuffer(key, body, 'image/jpeg');
      await lineage.recordImageAsset({ imageId: candidate.imageId, roverName: 'Perseverance', cameraName: 'MCZ_LEFT', sol: 53, sourceUrl: candidate.imgSrc, objectKey: key, sha256: 'bench', bytes: body.length, contentType: 'image/jpeg', width: SIZE, height: SIZE, fetchedAt: new Date().toISOString() });
      candidates.push(candidate);
    }
    const config = loadConfig({ DATA_DIR: work, LOG_LEVEL: 'silent' });

    // Memory stays flat with the number of frames: the peak of a 100-frame render against 300.
    const peakDuring = async (requestId: string, frames: FrameCandidate[]) => {
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
      try {
        await renderTimelapse({ requestId, rover: 'Perseverance', camera: 'MCZ_LEFT', solStart: 53, solEnd: 53, frames, options }, { store, lineage, config, logger: silentLogger, pool });
      } finally {
        clearInterval(sampler);
      }
      return peak;
    };
    const peak100 = await peakDuring('bench-100', candidates.slice(0, 100));
    const peak300 = await peakDuring('bench-300', candidates);
    console.log(`peak RSS of the process during a render: ${mib(peak100)} for 100 frames, ${mib(peak300)} for 300 frames (ffmpeg's own not included)`);

    const ratios: number[] = [];
    let peakRss = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const bareMs = await bareEncode(ffmpegPath, framesDir, path.join(work, `bare-${round}.mp4`), options);
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
      const started = performance.now();
      const result = await renderTimelapse(
        { requestId: `bench-${round}`, rover: 'Perseverance', camera: 'MCZ_LEFT', solStart: 53, solEnd: 53, frames: candidates, options },
        { store, lineage, config, logger: silentLogger, pool },
      );
      const renderMs = performance.now() - started;
      clearInterval(sampler);
      ratios.push(renderMs / bareMs);
      const timings = (await lineage.getRun(`bench-${round}`))?.timings ?? {};
      console.log(
        `round ${round}: bare ffmpeg encode ${seconds(bareMs)} s (${(FRAMES / (bareMs / 1000)).toFixed(1)} frames/s encode); ` +
          `render from cache ${seconds(renderMs)} s (${result.framesAccepted} frames accepted; ` +
          `${Object.entries(timings).map(([k, v]) => `${k.replace(/Ms$/, '')} ${seconds(v)} s`).join(', ')}); ratio ${(renderMs / bareMs).toFixed(2)}`,
      );
    }
    const sorted = [...ratios].sort((a, b) => a - b);
    console.log(
      `render/bare ratio: ${sorted[sorted.length >> 1]!.toFixed(2)} median, ${sorted[0]!.toFixed(2)} best, ${sorted[sorted.length - 1]!.toFixed(2)} worst ` +
        `(budget 1.5; ${options.preset} preset, crf ${options.crf}, same settings both sides; load average ${os.loadavg()[0]!.toFixed(1)})`,
    );
    console.log(`peak memory: ${mib(peakRss)} RSS during renders, ${mib(process.resourceUsage().maxRSS * 1024)} max RSS of the process (ffmpeg's own not included)`);
    console.log(`derived frames: ${(await readdir(framesDir)).length} files in a temp folder, removed after the run`);
  } finally {
    await pool.close();
    await warehouse?.close();
    await s3.close();
    await rm(work, { recursive: true, force: true });
  }
}
