import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import type { Config } from '../platform/config.ts';
import { MarsError, errorMessage } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import type { ObjectStore } from '../platform/object-store/object-store.ts';
import { ensureLineageSchema, LineageStore, type RenderFrameRecord, type RenderRunRecord } from '../warehouse/lineage/lineage-store.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { judgeInputOf } from './analyse-files.ts';
import { captionText, drawCaption } from './caption.ts';
import { contactSheetIndices, renderContactSheet, type ContactTile } from './contact-sheet.ts';
import { defaultOutputSize, dominantSize, readImageHeader, type Size } from './dominant-size.ts';
import { FrameEncoder, type EncoderInput } from './ffmpeg-encoder.ts';
import { FrameCandidateSchema } from '../timelapse/frame-candidate.ts';
import { WorkerFramePool, type FramePool } from './frame-pool.ts';
import type { FrameTaskResult } from './frame-task.ts';
import { resolveMediaTools } from './media-tools.ts';
import { fetchOriginals, type LocalOriginal } from './originals.ts';
import { probeVideo, type VideoProbe } from './probe-video.ts';
import { SequenceJudge, type FrameDecision } from './quality-judge.ts';
import { RenderOptionsSchema, type RenderOptions } from '../timelapse/render-options.ts';
import { timelapseKeys } from '../timelapse/object-keys.ts';
import { DOWNLOAD_DEFAULTS } from './safe-download.ts';

export type RenderStage = 'download' | 'analyse' | 'normalise' | 'encode' | 'publish';
export interface RenderProgress {
  stage: RenderStage;
  fraction: number;
  done: number;
  total: number;
}

export const RenderInputSchema = z
  .object({
    requestId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, { message: 'expected a request id of letters, digits, dot, dash or underscore' }),
    rover: z.string().min(1),
    camera: z.string().min(1),
    solStart: z.number().int().nonnegative(),
    solEnd: z.number().int().nonnegative(),
    frames: z.array(FrameCandidateSchema),
    options: RenderOptionsSchema.default(RenderOptionsSchema.parse({})),
  })
  .refine((input) => input.solEnd >= input.solStart, { message: 'solEnd must not be before solStart', path: ['solEnd'] });
export type RenderInput = z.input<typeof RenderInputSchema>;

export interface RenderResult {
  requestId: string;
  keys: { video: string; poster: string; contact: string; manifest: string };
  framesAccepted: number;
  framesRejected: number;
  durationSeconds: number;
  rejected: Array<{ imageId: string; reason: string }>;
}

export interface RenderDeps {
  store: ObjectStore;
  warehouse: Warehouse;
  config: Config;
  logger: Logger;
  /** A shared frame pool; without one the render makes its own and closes it. */
  pool?: FramePool;
  signal?: AbortSignal;
  onProgress?: (progress: RenderProgress) => void;
}

/** A frame the judge turned down, or too few frames left: the request cannot succeed as given. */
export class NotEnoughFramesError extends MarsError {
  constructor(message: string) {
    super(message, 'NOT_ENOUGH_FRAMES', false);
  }
}

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

/** Frames brightness is levelled against (ffmpeg's deflicker, median mode): 12 either side. */
export const LEVEL_FRAMES = 25;

/**
 * How frames reach ffmpeg. Original files as they are when every usable one is JPEG (or every
 * one PNG) and nothing is drawn on them: ffmpeg then decodes, fits and levels them itself, and
 * the workers only measure (at reduced scale). Captions, or a mix of formats, need raw frames
 * normalised in the workers.
 */
function chooseEncoderInput(formats: ReadonlyArray<string | null>, source: Size | null, caption: boolean): EncoderInput {
  if (caption || !source) return { kind: 'raw' };
  const present = new Set(formats.filter((f): f is string => f !== null));
  const size = { sourceWidth: source.width, sourceHeight: source.height };
  if (present.size === 1 && present.has('jpeg')) return { kind: 'encoded', codec: 'mjpeg', ...size };
  if (present.size === 1 && present.has('png')) return { kind: 'encoded', codec: 'png', ...size };
  return { kind: 'raw' };
}

/** Calls onProgress at most once per percent of each stage, and always at its end. */
function progressReporter(onProgress?: (p: RenderProgress) => void) {
  const last = new Map<RenderStage, number>();
  return (stage: RenderStage, done: number, total: number) => {
    if (!onProgress) return;
    const fraction = total === 0 ? 1 : done / total;
    if (done !== total && fraction - (last.get(stage) ?? -1) < 0.01) return;
    last.set(stage, fraction);
    onProgress({ stage, fraction: Number(fraction.toFixed(4)), done, total });
  };
}

function summariseReasons(decisions: readonly FrameDecision[]): string {
  const counts = new Map<string, number>();
  for (const d of decisions) if (d.reason) counts.set(d.reason, (counts.get(d.reason) ?? 0) + 1);
  return [...counts.entries()].map(([reason, n]) => `${reason} ${n}`).join(', ') || 'none';
}

async function completedResult(run: RenderRunRecord, lineage: LineageStore, store: ObjectStore): Promise<RenderResult | null> {
  const keys = { video: run.videoKey, poster: run.posterKey, contact: run.contactKey, manifest: run.manifestKey };
  if (!keys.video || !keys.poster || !keys.contact || !keys.manifest) return null;
  const present = await Promise.all(Object.values(keys).map((key) => store.exists(key!)));
  if (present.includes(false)) return null;
  const frames = await lineage.getFrames(run.requestId);
  const rejected = frames.filter((f) => !f.accepted).map((f) => ({ imageId: f.imageId, reason: f.reason ?? 'unknown' }));
  return {
    requestId: run.requestId,
    keys: keys as RenderResult['keys'],
    framesAccepted: run.framesAccepted ?? frames.length - rejected.length,
    framesRejected: rejected.length,
    durationSeconds: run.durationSeconds ?? 0,
    rejected,
  };
}

/**
 * Renders a timelapse from an ordered selection of frames: originals from the cache or a safe
 * download, decode and measure in the worker pool, judge each frame against the sequence,
 * normalise, level and caption, stream to ffmpeg, check the file, publish video, poster,
 * contact sheet and manifest, and record the run and every frame decision in MARS_LINEAGE.
 *
 * Idempotent by request id: a run already completed whose objects exist is returned as
 * recorded. Objects are published only when complete; a crash leaves nothing under the
 * published keys, and the next attempt renders from the start.
 */
export async function renderTimelapse(rawInput: RenderInput, deps: RenderDeps): Promise<RenderResult> {
  const input = RenderInputSchema.parse(rawInput);
  const options: RenderOptions = input.options;
  const log = deps.logger.child({ module: 'render', requestId: input.requestId });
  const lineage = new LineageStore(deps.warehouse);
  await ensureLineageSchema(deps.warehouse);
  const keys = timelapseKeys(input, options.format);

  const previous = await lineage.getRun(input.requestId);
  if (previous?.status === 'completed') {
    const result = await completedResult(previous, lineage, deps.store);
    if (result) {
      log.info({ video: result.keys.video }, 'request already rendered: returning the recorded result');
      return result;
    }
    log.warn('request recorded as completed but its objects are missing: rendering again');
  }

  const started = Date.now();
  const run: RenderRunRecord = {
    requestId: input.requestId,
    roverName: input.rover,
    cameraName: input.camera,
    solStart: input.solStart,
    solEnd: input.solEnd,
    parameters: options,
    status: 'running',
    error: null,
    startedAt: new Date(started).toISOString(),
    finishedAt: null,
    timings: null,
    framesTotal: input.frames.length,
    framesAccepted: null,
    videoKey: null,
    posterKey: null,
    contactKey: null,
    manifestKey: null,
    durationSeconds: null,
  };
  await lineage.saveRun(run, []);

  const progress = progressReporter(deps.onProgress);
  const ownPool = deps.pool ? undefined : new WorkerFramePool();
  const pool = deps.pool ?? ownPool!;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'mars-render-'));
  const timings: Record<string, number> = {};
  const decisions: FrameDecision[] = [];
  let originals: LocalOriginal[] = [];
  let encoder: FrameEncoder | undefined;
  try {
    const tools = resolveMediaTools(deps.config);
    const candidates = input.frames;

    // 1. Originals: cache or download, to local files.
    let mark = Date.now();
    progress('download', 0, candidates.length);
    originals = await fetchOriginals(candidates, {
      store: deps.store,
      lineage,
      dir: tmp,
      signal: deps.signal,
      limits: {
        allowedHosts: deps.config.downloadAllowedHosts,
        maxBytes: deps.config.http.maxResponseBytes,
        timeoutMs: deps.config.http.timeoutMs,
      },
      onDone: (done, total) => progress('download', done, total),
    });
    timings.downloadMs = Date.now() - mark;
    const downloaded = originals.filter((o) => o.ok && o.downloaded).length;
    log.info({ candidates: candidates.length, downloaded, refused: originals.filter((o) => !o.ok).length }, 'originals ready');

    // 2. The sequence's dominant size, from headers alone, fixes the output size.
    const headers = await Promise.all(originals.map((o) => (o.ok ? readImageHeader(o.localPath) : Promise.resolve(null))));
    const dominant = dominantSize(headers);
    const encoderInput = chooseEncoderInput(
      headers.map((h) => (h && dominant && h.width === dominant.width && h.height === dominant.height ? h.format : null)),
      dominant,
      options.caption,
    );
    const output: Size = dominant ? defaultOutputSize(dominant, 1280, { width: options.width, height: options.height }) : { width: 2, height: 2 };
    const tile = { width: 160, height: even((160 * output.height) / output.width) };
    const sheetIndices = contactSheetIndices(candidates.length);

    // 3. Decode, measure and normalise in the pool; judge in order; level, caption and encode.
    mark = Date.now();
    const videoPath = path.join(tmp, `video.${options.format}`);
    const judge = new SequenceJudge(dominant, options.quality, (i) => candidates[i]!.imageId);
    const held = new Map<number, Uint8Array>();
    const tiles: ContactTile[] = [];
    const tileOf = new Map<number, Uint8Array>();
    const frameIndexOf = new Map<number, number>();
    // The poster: the first accepted frame from the middle of the selection on, else the last one.
    let poster: { index: number; frame?: Uint8Array } | undefined;
    let lastAccepted: { index: number; frame?: Uint8Array } | undefined;
    let analysed = 0;
    let judged = 0;

    // With levelling, ffmpeg starts once LEVEL_FRAMES frames are accepted (or at the end, with
    // fewer), since its deflicker window must not be longer than the video; until then the
    // frames wait here.
    const startAfter = options.levelBrightness ? LEVEL_FRAMES : 1;
    const waiting: Uint8Array[] = [];
    const startEncoder = (levelFrames: number) =>
      new FrameEncoder({
        ffmpegPath: tools.ffmpegPath,
        input: encoderInput,
        ...output,
        fit: options.fit,
        levelFrames: options.levelBrightness ? levelFrames : 0,
        fps: options.fps,
        format: options.format,
        crf: options.crf,
        preset: options.preset,
        outputPath: videoPath,
      });
    const flush = async () => {
      for (const bytes of waiting.splice(0)) {
        await encoder!.write(bytes);
        progress('encode', encoder!.framesWritten, candidates.length);
      }
    };
    const encodeFrame = async (bytes: Uint8Array) => {
      waiting.push(bytes);
      if (!encoder && waiting.length >= startAfter) encoder = startEncoder(LEVEL_FRAMES);
      if (encoder) await flush();
    };

    const take = async (decision: FrameDecision) => {
      decisions.push(decision);
      progress('normalise', ++judged, candidates.length);
      const frame = held.get(decision.index);
      held.delete(decision.index);
      if (sheetIndices.has(decision.index)) tiles.push({ pixels: tileOf.get(decision.index) ?? null, accepted: decision.accepted });
      tileOf.delete(decision.index);
      if (!decision.accepted) return;
      const original = originals[decision.index] as Extract<LocalOriginal, { ok: true }>;
      let bytes: Uint8Array;
      if (encoderInput.kind === 'raw') {
        bytes = frame!;
        if (options.caption) drawCaption(bytes, output.width, output.height, captionText(candidates[decision.index]!));
      } else {
        bytes = await readFile(original.localPath);
      }
      frameIndexOf.set(decision.index, frameIndexOf.size);
      await encodeFrame(bytes);
      const kept = { index: decision.index, frame: encoderInput.kind === 'raw' ? bytes : undefined };
      if (!poster && decision.index >= Math.floor(candidates.length / 2)) poster = kept;
      lastAccepted = kept;
    };

    const runTask = (index: number): Promise<FrameTaskResult | null> => {
      const original = originals[index]!;
      if (!original.ok) return Promise.resolve(null);
      const task = pool.run(
        {
          path: original.localPath,
          limitInputPixels: DOWNLOAD_DEFAULTS.maxPixels,
          expected: dominant ?? undefined,
          output: encoderInput.kind === 'raw' ? { ...output, fit: options.fit } : undefined,
          tile: sheetIndices.has(index) ? tile : undefined,
        },
        deps.signal,
      );
      // Tasks still queued when the render stops (abort, failure) reject unobserved: that is expected.
      task.catch(() => undefined);
      return task;
    };

    // The bounded queue between the pool and the encoder: tasks dispatched ahead of the frame
    // being judged. While ffmpeg pushes back, the pool keeps working through it, so analysis
    // never waits for the encoder or the encoder for analysis. Results are small (metrics and a
    // tile) unless raw frames come back, which keep the queue short.
    const inFlight: Array<Promise<FrameTaskResult | null>> = [];
    const limit = encoderInput.kind === 'raw' ? pool.concurrency * 2 + 2 : Math.max(32, pool.concurrency * 8);
    let dispatched = 0;
    while (dispatched < candidates.length && inFlight.length < limit) inFlight.push(runTask(dispatched++));
    for (let index = 0; index < candidates.length; index++) {
      deps.signal?.throwIfAborted();
      const result = await inFlight.shift()!;
      if (dispatched < candidates.length) inFlight.push(runTask(dispatched++));
      progress('analyse', ++analysed, candidates.length);
      const original = originals[index]!;
      if (result?.ok && result.frame) held.set(index, result.frame);
      if (result?.ok && result.tile) tileOf.set(index, result.tile);
      const judgeInput = original.ok ? judgeInputOf(result!) : { ok: false as const, reason: original.reason, detail: original.detail };
      for (const decision of judge.push(judgeInput)) await take(decision);
    }
    for (const decision of judge.finish()) await take(decision);

    const accepted = decisions.filter((d) => d.accepted).length;
    if (accepted < 2) {
      throw new NotEnoughFramesError(
        `only ${accepted} of ${candidates.length} candidate frames passed the download and quality checks ` +
          `(rejected: ${summariseReasons(decisions)}); a timelapse needs at least 2`,
      );
    }
    encoder ??= startEncoder(waiting.length);
    await flush();
    await encoder.finish();
    timings.analyseEncodeMs = Date.now() - mark;

    // The poster and the contact sheet are made while ffprobe checks the video.
    const posterFrame = poster ?? lastAccepted!;
    const posterMade = posterFrame.frame
      ? sharp(posterFrame.frame, { raw: { ...output, channels: 3 } }).jpeg({ quality: 88 }).toBuffer()
      : sharp((originals[posterFrame.index] as Extract<LocalOriginal, { ok: true }>).localPath)
          .resize(output.width, output.height, { fit: options.fit === 'crop' ? 'cover' : 'contain', background: { r: 0, g: 0, b: 0 } })
          .jpeg({ quality: 88 })
          .toBuffer();
    const contactMade = renderContactSheet(tiles, tile.width, tile.height);
    // Observed below; a failing check must not leave them as unhandled rejections.
    posterMade.catch(() => undefined);
    contactMade.catch(() => undefined);

    // 4. Check the file before anything is published.
    mark = Date.now();
    const probe = await probeVideo(tools.ffprobePath, videoPath);
    checkOutput(probe, { codec: options.format === 'mp4' ? 'h264' : 'vp9', frames: accepted, fps: options.fps, ...output });
    timings.probeMs = Date.now() - mark;

    // 5. Poster, contact sheet, manifest; publish each complete object, the manifest last.
    mark = Date.now();
    const posterJpeg = await posterMade;
    const contactJpeg = await contactMade;
    const frameRecords: RenderFrameRecord[] = decisions.map((d) => {
      const candidate = candidates[d.index]!;
      const original = originals[d.index]!;
      return {
        requestId: input.requestId,
        imageId: candidate.imageId,
        sol: candidate.sol,
        candidateIndex: d.index,
        frameIndex: d.accepted ? frameIndexOf.get(d.index)! : null,
        accepted: d.accepted,
        reason: d.reason,
        detail: d.detail,
        metrics: d.metrics,
        sourceUrl: candidate.imgSrc,
        objectKey: original.ok ? original.objectKey : null,
      };
    });
    const manifest = {
      requestId: input.requestId,
      rover: input.rover,
      camera: input.camera,
      solStart: input.solStart,
      solEnd: input.solEnd,
      parameters: options,
      output: {
        ...output,
        fps: options.fps,
        format: options.format,
        codec: probe.codec,
        pixFmt: probe.pixFmt,
        frames: probe.frames,
        durationSeconds: probe.durationSeconds,
        sourceSize: dominant,
        frameInput: encoderInput.kind === 'raw' ? 'raw RGB frames normalised in workers' : `original ${encoderInput.codec} files, normalised by ffmpeg`,
        levelling: options.levelBrightness ? `ffmpeg deflicker, median of ${Math.min(LEVEL_FRAMES, accepted)} frames` : 'off',
      },
      objects: { video: keys.video, poster: keys.poster, contact: keys.contact, manifest: keys.manifest },
      frames: frameRecords.map((f) => ({
        candidateIndex: f.candidateIndex,
        imageId: f.imageId,
        sol: f.sol,
        takenAt: candidates[f.candidateIndex]!.takenAt ?? null,
        sourceUrl: f.sourceUrl,
        objectKey: f.objectKey,
        sha256: (originals[f.candidateIndex] as { sha256?: string }).sha256 ?? null,
        accepted: f.accepted,
        frameIndex: f.frameIndex,
        reason: f.reason,
        detail: f.detail,
        metrics: f.metrics,
      })),
      renderedAt: new Date().toISOString(),
    };
    const videoBytes = (await stat(videoPath)).size;
    // Video, poster and contact sheet at once (each is written, then copied into place); the
    // manifest only after all three exist.
    let published = 0;
    const publishing = [
      deps.store.publishFile(keys.video, videoPath, options.format === 'mp4' ? 'video/mp4' : 'video/webm'),
      deps.store.publishBuffer(keys.poster, posterJpeg, 'image/jpeg'),
      deps.store.publishBuffer(keys.contact, contactJpeg, 'image/jpeg'),
    ].map((step) => step.then(() => progress('publish', ++published, 4)));
    const outcomes = await Promise.allSettled(publishing);
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
    await deps.store.publishBuffer(keys.manifest, Buffer.from(JSON.stringify(manifest, null, 2)), 'application/json');
    progress('publish', 4, 4);
    timings.publishMs = Date.now() - mark;
    timings.totalMs = Date.now() - started;

    // 6. Lineage last: it points only at objects that now exist.
    await lineage.saveRun(
      {
        ...run,
        status: 'completed',
        finishedAt: new Date().toISOString(),
        timings,
        framesAccepted: accepted,
        videoKey: keys.video,
        posterKey: keys.poster,
        contactKey: keys.contact,
        manifestKey: keys.manifest,
        durationSeconds: probe.durationSeconds,
      },
      frameRecords,
    );
    const rejected = frameRecords.filter((f) => !f.accepted).map((f) => ({ imageId: f.imageId, reason: f.reason! }));
    log.info({ accepted, rejected: rejected.length, videoBytes, timings }, 'timelapse published');
    return {
      requestId: input.requestId,
      keys: { video: keys.video, poster: keys.poster, contact: keys.contact, manifest: keys.manifest },
      framesAccepted: accepted,
      framesRejected: rejected.length,
      durationSeconds: probe.durationSeconds,
      rejected,
    };
  } catch (error) {
    encoder?.abort();
    timings.totalMs = Date.now() - started;
    const frames: RenderFrameRecord[] = decisions.map((d) => {
      const candidate = input.frames[d.index]!;
      const original = originals[d.index];
      return {
        requestId: input.requestId,
        imageId: candidate.imageId,
        sol: candidate.sol,
        candidateIndex: d.index,
        frameIndex: null,
        accepted: d.accepted,
        reason: d.reason,
        detail: d.detail,
        metrics: d.metrics,
        sourceUrl: candidate.imgSrc,
        objectKey: original?.ok ? original.objectKey : null,
      };
    });
    try {
      await lineage.saveRun(
        { ...run, status: 'failed', error: errorMessage(error), finishedAt: new Date().toISOString(), timings, framesAccepted: decisions.filter((d) => d.accepted).length },
        frames,
      );
    } catch (recordError) {
      log.error({ err: recordError }, 'could not record the failed run');
    }
    log.warn({ err: error }, 'render failed');
    throw error;
  } finally {
    await rm(tmp, { recursive: true, force: true });
    await ownPool?.close();
  }
}

function checkOutput(probe: VideoProbe, expected: { codec: string; frames: number; fps: number; width: number; height: number }): void {
  const problems: string[] = [];
  if (probe.codec !== expected.codec) problems.push(`codec ${probe.codec}, expected ${expected.codec}`);
  if (probe.pixFmt !== 'yuv420p') problems.push(`pixel format ${probe.pixFmt}, expected yuv420p`);
  if (probe.width !== expected.width || probe.height !== expected.height) {
    problems.push(`size ${probe.width}x${probe.height}, expected ${expected.width}x${expected.height}`);
  }
  if (probe.frames !== expected.frames) problems.push(`${probe.frames} frames, expected ${expected.frames}`);
  const duration = expected.frames / expected.fps;
  if (Math.abs(probe.durationSeconds - duration) > 1 / expected.fps + 0.05) {
    problems.push(`duration ${probe.durationSeconds} s, expected ${duration.toFixed(3)} s`);
  }
  if (problems.length > 0) throw new MarsError(`the encoded video failed its check: ${problems.join('; ')}`, 'OUTPUT_CHECK_FAILED', false);
}
