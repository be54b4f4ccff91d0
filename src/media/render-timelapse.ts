import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import type { Config } from '../platform/config.ts';
import { MarsError, errorMessage } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import type { ObjectStore } from '../platform/object-store/object-store.ts';
import type { RenderRunRecord } from '../timelapse/lineage-records.ts';
import { timelapseKeys } from '../timelapse/object-keys.ts';
import { coreShare } from './core-share.ts';
import { WorkerFramePool, type FramePool } from './frame-pool.ts';
import { resolveMediaTools } from './media-tools.ts';
import { makeRenderFolder } from './render-folder.ts';
import { SequenceJudge, type FrameDecision } from './quality-judge.ts';
import { captionText } from './caption.ts';
import { captionFrames } from './render/caption-frames.ts';
import { checkVideo, EncodeStage } from './render/encode.ts';
import { fetchOriginals, type LocalOriginal, type Originals } from './render/fetch-originals.ts';
import { frameRecords } from './render/frame-records.ts';
import { planFrames, readHeaders } from './render/frame-plan.ts';
import { judgeFrames, type JudgedFrame, type JudgeSource } from './render/judge.ts';
import type { LineageRecorder } from './render/lineage-recorder.ts';
import { manifestOf, RenderOutputs } from './render/outputs.ts';
import { progressReporter, type RenderProgress } from './render/progress.ts';
import { publishRender, Staging, videoContentType } from './render/publish.ts';
import type { RenderResult } from './render/render-result.ts';
import { RenderInputSchema, selectRender } from './render/select.ts';
import { renderViewsStage, viewsAskedFor } from './render/views.ts';
import { DOWNLOAD_DEFAULTS } from './safe-download.ts';

export type RenderInput = z.input<typeof RenderInputSchema>;

export interface RenderDeps {
  store: ObjectStore;
  /** Where the run, its frame decisions and the cached originals are recorded (MARS_LINEAGE). */
  lineage: LineageRecorder;
  config: Config;
  logger: Logger;
  /** A shared frame pool; without one the render makes its own (`coreShare().poolThreads`) and closes it. */
  pool?: FramePool;
  /** ffmpeg's threads. Default `coreShare().encoderThreads`. */
  encoderThreads?: number;
  signal?: AbortSignal;
  onProgress?: (progress: RenderProgress) => void;
}

/** A frame the judge turned down, or too few frames left: the request cannot succeed as given. */
export class NotEnoughFramesError extends MarsError {
  constructor(message: string) {
    super(message, 'NOT_ENOUGH_FRAMES', false);
  }
}

function summariseReasons(decisions: readonly FrameDecision[]): string {
  const counts = new Map<string, number>();
  for (const d of decisions) if (d.reason) counts.set(d.reason, (counts.get(d.reason) ?? 0) + 1);
  return [...counts.entries()].map(([reason, n]) => `${reason} ${n}`).join(', ') || 'none';
}

/**
 * Renders a timelapse from an ordered selection of frames, in stages:
 * select (the recorded result, or a run) → fetch originals (cache or safe download) → judge
 * (measure in the worker pool, decide each frame against its neighbours) → encode (stream the
 * accepted frames to ffmpeg, check the file) → outputs (poster, contact sheet, manifest) →
 * publish (objects, then the run and every frame decision in the lineage).
 *
 * Idempotent by request id: a run already completed whose objects exist is returned as
 * recorded. Objects are published only when complete; a crash leaves nothing under the
 * published keys, and the next attempt renders from the start.
 */
export async function renderTimelapse(rawInput: RenderInput, deps: RenderDeps): Promise<RenderResult> {
  const input = RenderInputSchema.parse(rawInput);
  const { options, frames: candidates } = input;
  const log = deps.logger.child({ module: 'render', requestId: input.requestId });
  const selection = await selectRender(input, { lineage: deps.lineage, store: deps.store, log });
  if (selection.kind === 'recorded') return selection.result;
  const { run } = selection;
  const started = Date.parse(run.startedAt);

  const progress = progressReporter(deps.onProgress);
  const ownPool = deps.pool ? undefined : new WorkerFramePool({ threads: coreShare().poolThreads });
  const pool = deps.pool ?? ownPool!;
  const tmp = await makeRenderFolder();
  const timings: Record<string, number> = {};
  const decisions: FrameDecision[] = [];
  // Each original as it arrives: the judge starts on the first ones while later ones are fetched.
  const local: Array<LocalOriginal | undefined> = new Array(candidates.length);
  let originals: Originals | undefined;
  let encode: EncodeStage | undefined;
  const staging = new Staging(deps.store);
  try {
    const tools = resolveMediaTools(deps.config);

    const fetchStarted = Date.now();
    progress('download', 0, candidates.length);
    originals = await fetchOriginals(candidates, {
      store: deps.store,
      lineage: deps.lineage,
      dir: tmp,
      signal: deps.signal,
      limits: {
        allowedHosts: deps.config.downloadAllowedHosts,
        maxBytes: deps.config.http.maxResponseBytes,
        timeoutMs: deps.config.http.timeoutMs,
      },
      onDone: (done, total) => progress('download', done, total),
    });
    originals.each.forEach((original, index) => void original.then((o) => (local[index] = o), () => undefined));
    const fetched = originals.all().then((all) => {
      timings.downloadMs = Date.now() - fetchStarted;
      const downloaded = all.filter((o) => o.ok && o.downloaded).length;
      log.info({ candidates: candidates.length, downloaded, refused: all.filter((o) => !o.ok).length }, 'originals ready');
    });
    fetched.catch(() => undefined);

    // The plan needs every original's header: the cache's records give them at once; without
    // them, every original is fetched first.
    const plan = planFrames(originals.recorded ?? (await readHeaders(await originals.all())), options);
    let mark = Date.now();
    const raw = plan.input.kind === 'raw';
    const sourceOf = (original: LocalOriginal, index: number): JudgeSource =>
      original.ok
        ? {
            ok: true,
            task: {
              path: original.localPath,
              limitInputPixels: DOWNLOAD_DEFAULTS.maxPixels,
              expected: plan.source ?? undefined,
              output: raw ? { ...plan.output, fit: options.fit } : undefined,
              tile: plan.sheet.has(index) ? plan.tile : undefined,
              keepOriginal: !raw,
            },
          }
        : original;
    const sources = originals.each.map((arriving, index) => {
      const source = arriving.then((original) => sourceOf(original, index));
      // A failed fetch is seen where the judge reaches it; the sources after it are never awaited.
      source.catch(() => undefined);
      return source;
    });
    let frames: AsyncIterable<JudgedFrame> = judgeFrames(sources, {
      pool,
      judge: new SequenceJudge(plan.source, options.quality, (i) => candidates[i]!.imageId),
      // Results hold a frame's normalised pixels (raw) or its file's bytes: the window is as short
      // as keeps the pool working while ffmpeg pushes back.
      window: raw ? pool.concurrency * 2 + 2 : Math.max(16, pool.concurrency * 8),
      signal: deps.signal,
      onAnalysed: (done, total) => progress('analyse', done, total),
    });
    if (options.caption) frames = captionFrames(frames, candidates, plan.output);

    const videoPath = path.join(tmp, `video.${options.format}`);
    // The stabilised and motion views are a second pass over the frames: the encode stage counts both.
    const encodePasses = viewsAskedFor(options).length > 0 ? 2 : 1;
    const encodeTotal = candidates.length * encodePasses;
    encode = new EncodeStage({
      ffmpegPath: tools.ffmpegPath,
      plan,
      options,
      outputPath: videoPath,
      threads: deps.encoderThreads ?? coreShare().encoderThreads,
      onWritten: (written) => progress('encode', written, encodeTotal),
    });
    const outputs = new RenderOutputs(plan, options.fit, candidates.length);
    const frameIndexOf = new Map<number, number>();
    const acceptedFiles: string[] = [];
    const acceptedCaptions: string[] = [];
    for await (const judged of frames) {
      decisions.push(judged.decision);
      progress('normalise', decisions.length, candidates.length);
      outputs.add(judged);
      if (!judged.decision.accepted) continue;
      frameIndexOf.set(judged.decision.index, encode.frames);
      acceptedFiles.push(judged.path!);
      if (options.caption) acceptedCaptions.push(captionText(candidates[judged.decision.index]!));
      await encode.write(judged);
    }

    await fetched;
    const fetchedOriginals = await originals.all();
    const accepted = frameIndexOf.size;
    if (accepted < 2) {
      throw new NotEnoughFramesError(
        `only ${accepted} of ${candidates.length} candidate frames passed the download and quality checks ` +
          `(rejected: ${summariseReasons(decisions)}); a timelapse needs at least 2`,
      );
    }
    // The poster and the contact sheet are made, and staged in the store, while ffmpeg finishes
    // the file (x264 still encodes its lookahead, on fewer threads, for a second or more); the
    // video is staged while ffprobe checks it. Nothing is published before the check passes.
    const all = timelapseKeys(input, options.format);
    staging.buffer(all.poster, outputs.posterJpeg(), 'image/jpeg');
    staging.buffer(all.contact, outputs.contactSheetJpeg(), 'image/jpeg');
    await encode.finish();
    timings.analyseEncodeMs = Date.now() - mark;
    staging.file(all.video, videoPath, videoContentType(options.format));

    mark = Date.now();
    const probe = await checkVideo(tools.ffprobePath, videoPath, { codec: options.format === 'mp4' ? 'h264' : 'vp9', frames: accepted, fps: options.fps, ...plan.output });
    timings.probeMs = Date.now() - mark;

    // The stabilised video and the motion view, when asked for: a pass of their own over the accepted files.
    mark = Date.now();
    const views = await renderViewsStage(acceptedFiles, {
      ...tools,
      plan,
      options,
      captions: options.caption ? acceptedCaptions : undefined,
      dir: tmp,
      signal: deps.signal,
      onFrame: (done, total) => progress('encode', candidates.length + Math.round((done / total) * candidates.length), encodeTotal),
    });
    if (views.summary) timings.viewsMs = Date.now() - mark;

    const keys = {
      video: all.video,
      poster: all.poster,
      contact: all.contact,
      manifest: all.manifest,
      ...(views.stabilised ? { stabilised: all.stabilised, stabilisedPoster: all.stabilisedPoster } : {}),
      ...(views.motion ? { motion: all.motion, motionPoster: all.motionPoster } : {}),
    };
    const records = frameRecords(input.requestId, candidates, fetchedOriginals, decisions, frameIndexOf);
    const manifest = manifestOf({ ...input, options, plan, probe, levelling: encode.levelling(accepted), keys, views: views.manifest, candidates, originals: fetchedOriginals, records });
    const result = await publishRender(
      {
        keys,
        views,
        format: options.format,
        staging,
        manifest,
        run: { ...run, timings, framesAccepted: accepted, durationSeconds: probe.durationSeconds, viewParameters: views.summary },
        frames: records,
      },
      { store: deps.store, lineage: deps.lineage, progress },
    );
    log.info({ accepted, rejected: result.framesRejected, videoBytes: (await stat(videoPath)).size, timings }, 'timelapse published');
    return result;
  } catch (error) {
    encode?.abort();
    await staging.discard();
    await recordFailure(deps.lineage, log, {
      ...run,
      status: 'failed',
      error: errorMessage(error),
      finishedAt: new Date().toISOString(),
      timings: { ...timings, totalMs: Date.now() - started },
      framesAccepted: decisions.filter((d) => d.accepted).length,
    }, frameRecords(input.requestId, candidates, local, decisions));
    log.warn({ err: error }, 'render failed');
    throw error;
  } finally {
    await originals?.stop();
    await rm(tmp, { recursive: true, force: true });
    await ownPool?.close();
  }
}

async function recordFailure(lineage: LineageRecorder, log: Logger, run: RenderRunRecord, frames: ReturnType<typeof frameRecords>): Promise<void> {
  try {
    await lineage.saveRun(run, frames);
  } catch (recordError) {
    log.error({ err: recordError }, 'could not record the failed run');
  }
}
