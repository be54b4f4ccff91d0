// Media pipeline benchmark (part of `npm run bench`; alone: `npm run bench -- media`). Prints
// frames per second for analysis (the pool, and one worker thread), with and without normalisation; the
// split of the cores between the frame pool and ffmpeg, measured each way; the end-to-end render
// of 300 cached 1024x1024 originals against a bare ffmpeg encode of the same JPEG files with the
// same codec settings, as a ratio; and the peak memory of 300- and 1,000-frame renders.
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { ANALYSIS_TASKS_PER_THREAD, WorkerFramePool, type FramePool } from '../src/media/frame-pool.ts';
import { outputArguments } from '../src/media/ffmpeg-encoder.ts';
import { coreShare, type CoreShare } from '../src/media/core-share.ts';
import { nativeJpegDecoder } from '../src/media/scaled-jpeg.ts';
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
/** The long render whose peak memory is set beside the 300-frame one. */
const LONG_FRAMES = 1000;
/** Frames per thread that warm a pool before its analysis is measured. */
const WARM_FRAMES = 24;
/**
 * Bare/render pairs, alternating, so that a busy moment of the machine does not pick a side.
 * Five: on a 2-core virtual machine the same bare encode takes 13-16 s of CPU from one run to
 * the next, and a median of three still moved by 0.1.
 */
const ROUNDS = 5;
/** Pairs per split of the cores, taken in turn. */
const SHARE_ROUNDS = 3;
const SIZE = 1024;
const SOURCE = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..', 'test', 'fixtures', 'nasa', 'images', 'ZL0_0053_0671642352_402ECM_N0032046ZCAM05025_110085J01.png');

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/**
 * 1,000 frames of 1024x1024 panning across a real Mastcam-Z frame, written as JPEG files: the
 * first 300 pan across once, the rest go back and forth, bobbing, so that every frame differs.
 */
async function deriveFrames(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const original = await sharp(SOURCE).raw().toBuffer({ resolveWithObject: true });
  const files: string[] = [];
  for (let i = 0; i < LONG_FRAMES; i++) {
    const step = i % (2 * (FRAMES - 1));
    const across = step < FRAMES ? step : 2 * (FRAMES - 1) - step;
    const left = Math.round(((original.info.width - SIZE) * across) / (FRAMES - 1));
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
async function analysisFps(pool: FramePool, files: string[], normalise: boolean): Promise<{ fps: number; cpuMsPerFrame: number }> {
  const started = performance.now();
  const cpu = await cpuSeconds();
  const task = (path: string) =>
    pool.run({ path, limitInputPixels: 1e8, output: normalise ? { width: 960, height: 720, fit: 'letterbox' } : undefined, tile: { width: 160, height: 120 } });
  const inFlight: Array<Promise<unknown>> = [];
  let next = 0;
  while (next < files.length && inFlight.length < pool.concurrency * 4) inFlight.push(task(files[next++]!));
  while (inFlight.length > 0) {
    await inFlight.shift();
    if (next < files.length) inFlight.push(task(files[next++]!));
  }
  return { fps: files.length / ((performance.now() - started) / 1000), cpuMsPerFrame: (((await cpuSeconds()) - cpu) * 1000) / files.length };
}

/** The reference: ffmpeg alone encoding the same JPEG files with the render's codec settings. */
async function bareEncode(ffmpegPath: string, dir: string, out: string, options: { crf: number; preset: string; fps: number }): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const args = ['-y', '-loglevel', 'error', '-framerate', String(options.fps), '-i', path.join(dir, 'f%04d.jpg'), '-frames:v', String(FRAMES)];
    const child = spawn(ffmpegPath, [...args, ...outputArguments({ format: 'mp4', ...options }), out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${stderr}`))));
  });
  return performance.now() - started;
}

/** A frame pool with this many threads (one frame each unless told), closed after `fn`. */
async function withPool<T>(threads: number, fn: (pool: WorkerFramePool) => Promise<T>, tasksPerThread = 1): Promise<T> {
  const pool = new WorkerFramePool({ threads, tasksPerThread });
  try {
    return await fn(pool);
  } finally {
    await pool.close();
  }
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * CPU seconds this process and its finished children (ffmpeg, ffprobe) have used, from
 * /proc/self/stat (utime, stime, cutime, cstime). On a busy machine wall time says more about
 * the neighbours than about the render; CPU time is what the render costs.
 */
async function cpuSeconds(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14-17 of the file; the slice starts at field 3.
  return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) / CLOCK_TICKS;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

export async function runMediaBench(): Promise<void> {
  const work = path.join(os.tmpdir(), `mars-media-bench-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  const framesDir = path.join(work, 'frames');
  const ffmpegPath = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  const options = RenderOptionsSchema.parse({});
  const s3 = new EmbeddedS3({ directory: path.join(work, 's3'), bucket: 'mars' });
  let warehouse: DuckDbWarehouse | undefined;
  const cores = os.availableParallelism();
  const pool = new WorkerFramePool({ threads: cores, tasksPerThread: ANALYSIS_TASKS_PER_THREAD });
  try {
    console.log(`media bench: ${cores} cores, ${FRAMES} frames of ${SIZE}x${SIZE} derived from a real Mastcam-Z frame (${LONG_FRAMES} for the memory figure); load average ${os.loadavg()[0]!.toFixed(1)}; the judge decodes JPEG ${nativeJpegDecoder ? 'natively (native/scaled-jpeg.c)' : 'through sharp (the native decoder is not built: node scripts/build-native.mjs)'}`);
    const files = await deriveFrames(framesDir);

    // Analysis alone (decode at the measuring scale, metrics, hash, contact tile), then with the
    // normalised output frame as well (the path captions take), per frame, every core measuring.
    // A service's pool lives as long as the process: the figures are for warm threads. A fresh
    // thread's first frames cost 15-65 ms each (libraries loading, the hot loops compiled), so
    // each pool first measures WARM_FRAMES frames per thread, both ways, unreported.
    const warm = async (target: WorkerFramePool) => {
      const count = WARM_FRAMES * target.threads;
      await analysisFps(target, files.slice(FRAMES, FRAMES + count), false);
      await analysisFps(target, files.slice(FRAMES + count, FRAMES + 2 * count), true);
    };
    await warm(pool);
    for (const normalise of [false, true]) {
      // One worker thread is one core (libvips runs single-threaded in the pool's workers). On
      // the calling thread sharp would spread frames over libuv's and libvips' own threads.
      const single = await withPool(
        1,
        async (one) => {
          await warm(one);
          return analysisFps(one, files.slice(0, FRAMES), normalise);
        },
        ANALYSIS_TASKS_PER_THREAD,
      );
      const pooled = await analysisFps(pool, files.slice(0, FRAMES), normalise);
      // What the same CPU time per frame gives when the cores are the bench's alone.
      const idleFps = (1000 / pooled.cpuMsPerFrame) * Math.min(cores, pool.threads);
      console.log(
        `${normalise ? 'analysis + normalisation to 960x720 raw frames' : 'analysis'}: ${pooled.fps.toFixed(0)} frames/s with ${pool.threads} worker threads, ${ANALYSIS_TASKS_PER_THREAD} frames each ` +
          `(${single.fps.toFixed(1)} frames/s with one${normalise ? '' : '; decode at the measuring scale, metrics, hash, tile'}; ` +
          `${pooled.cpuMsPerFrame.toFixed(1)} ms CPU time per frame: ${idleFps.toFixed(0)} frames/s on ${Math.min(cores, pool.threads)} idle cores)`,
      );
    }
    await pool.close();

    // The object store holds the originals, IMAGE_ASSETS knows them: a render downloads nothing,
    // and links each from the embedded store's folder, as the workers' runtime does.
    await s3.start();
    const store = new ObjectStore({ endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, bucket: 'mars', objectFile: s3.objectFile });
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
    let requests = 0;
    const render = (frames: FrameCandidate[], pool: FramePool, encoderThreads: number) =>
      renderTimelapse(
        { requestId: `bench-${++requests}`, rover: 'Perseverance', camera: 'MCZ_LEFT', solStart: 53, solEnd: 53, frames, options },
        { store, lineage, config, logger: silentLogger, pool, encoderThreads },
      );
    /** A bare encode and a render of the first 300 frames, one after the other: the render's time over the bare one's. */
    const pair = async (pool: FramePool, encoderThreads: number) => {
      const bareCpu = await cpuSeconds();
      const bareMs = await bareEncode(ffmpegPath, framesDir, path.join(work, `bare-${requests}.mp4`), options);
      const renderCpu = await cpuSeconds();
      const started = performance.now();
      const result = await render(candidates.slice(0, FRAMES), pool, encoderThreads);
      const renderMs = performance.now() - started;
      const cpu = { bare: renderCpu - bareCpu, render: (await cpuSeconds()) - renderCpu };
      const timings = (await lineage.getRun(result.requestId))?.timings ?? {};
      return { bareMs, renderMs, ratio: renderMs / bareMs, cpu, cpuRatio: cpu.render / cpu.bare, accepted: result.framesAccepted, timings };
    };
    const describePair = (p: Awaited<ReturnType<typeof pair>>) =>
      `bare ffmpeg encode ${seconds(p.bareMs)} s (${(FRAMES / (p.bareMs / 1000)).toFixed(1)} frames/s), render from cache ${seconds(p.renderMs)} s ` +
      `(${p.accepted} frames accepted; ${Object.entries(p.timings).map(([k, v]) => `${k.replace(/Ms$/, '')} ${seconds(v)} s`).join(', ')}): ratio ${p.ratio.toFixed(2)}; CPU time ${p.cpu.bare.toFixed(1)} s bare, ${p.cpu.render.toFixed(1)} s render, ratio ${p.cpuRatio.toFixed(2)}`;

    // The split of the cores between the judge's pool and ffmpeg, measured each way.
    const chosen = coreShare(cores);
    const shares: CoreShare[] = [
      { poolThreads: cores, encoderThreads: 0 },
      { poolThreads: Math.max(1, cores - 1), encoderThreads: 0 },
      { poolThreads: Math.max(1, cores - 1), encoderThreads: cores },
    ];
    const describeShare = (share: CoreShare) => `pool ${share.poolThreads} thread${share.poolThreads === 1 ? '' : 's'}, ffmpeg ${share.encoderThreads || 'auto'} threads`;
    // Each pool is warmed before its first pair: a fresh thread loading its modules during the
    // bare encode would slow the bare side and flatter the render.
    const shareRatios = shares.map(() => [] as number[]);
    for (let round = 1; round <= SHARE_ROUNDS; round++) {
      for (const [i, share] of shares.entries()) {
        const measured = await withPool(share.poolThreads, async (p) => {
          await warm(p);
          return pair(p, share.encoderThreads);
        });
        shareRatios[i]!.push(measured.ratio);
        console.log(`core share ${describeShare(share)}, round ${round}: ${describePair(measured)}`);
      }
    }
    for (const [i, share] of shares.entries()) console.log(`core share ${describeShare(share)}: render/bare ${median(shareRatios[i]!).toFixed(2)} median of ${SHARE_ROUNDS}`);
    console.log(`core share chosen: ${describeShare(chosen)} (coreShare in src/media/core-share.ts)`);

    await withPool(chosen.poolThreads, async (chosenPool) => {
      await warm(chosenPool);
      const ratios: number[] = [];
      const cpuRatios: number[] = [];
      let peakRss = 0;
      for (let round = 1; round <= ROUNDS; round++) {
        const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
        const measured = await pair(chosenPool, chosen.encoderThreads).finally(() => clearInterval(sampler));
        ratios.push(measured.ratio);
        cpuRatios.push(measured.cpuRatio);
        console.log(`round ${round}: ${describePair(measured)}`);
      }
      const sorted = [...ratios].sort((a, b) => a - b);
      console.log(
        `render/bare ratio: ${median(ratios).toFixed(2)} median, ${sorted[0]!.toFixed(2)} best, ${sorted.at(-1)!.toFixed(2)} worst ` +
          `(${options.preset} preset, crf ${options.crf}, same settings both sides; ${describeShare(chosen)}; load average ${os.loadavg()[0]!.toFixed(1)})`,
      );
      console.log(`render/bare CPU time ratio: ${median(cpuRatios).toFixed(2)} median (the render's process and children against ffmpeg's own)`);

      // Memory stays flat with the number of frames: the peak of a 300-frame render against 1,000.
      const peakDuring = async (frames: FrameCandidate[]) => {
        let peak = 0;
        const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
        await render(frames, chosenPool, chosen.encoderThreads).finally(() => clearInterval(sampler));
        return peak;
      };
      // Each length twice, alternating, and the higher peak of each: one render's peak moves by
      // up to 10% with the garbage collector's timing, and a single pair could pick a side.
      let peakShort = 0;
      let peakLong = 0;
      for (let round = 0; round < 2; round++) {
        peakShort = Math.max(peakShort, await peakDuring(candidates.slice(0, FRAMES)));
        peakLong = Math.max(peakLong, await peakDuring(candidates));
      }
      console.log(
        `peak RSS during a render: ${mib(peakShort)} for ${FRAMES} frames, ${mib(peakLong)} for ${LONG_FRAMES.toLocaleString('en')} frames, the higher of two each ` +
          `(${peakLong >= peakShort ? '+' : ''}${(((peakLong - peakShort) / peakShort) * 100).toFixed(1)}%; the process's own, ffmpeg's not included)`,
      );
      console.log(`peak memory: ${mib(peakRss)} RSS during the ratio renders, ${mib(process.resourceUsage().maxRSS * 1024)} max RSS of the process`);
    });
    console.log(`derived frames: ${(await readdir(framesDir)).length} files in a temp folder, removed after the run`);
  } finally {
    await pool.close();
    await warehouse?.close();
    await s3.close();
    await rm(work, { recursive: true, force: true });
  }
}
