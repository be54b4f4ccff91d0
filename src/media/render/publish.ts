import type { ObjectStore, StagedObject } from '../../platform/object-store/object-store.ts';
import type { RenderFrameRecord, RenderRunRecord } from '../../timelapse/lineage-records.ts';
import type { RenderFormat } from '../../timelapse/render-options.ts';
import type { LineageRecorder } from './lineage-recorder.ts';
import type { ViewOutput } from './views.ts';
import type { ReportProgress } from './progress.ts';
import { resultOf, type RenderKeys, type RenderResult } from './render-result.ts';

/**
 * The render's objects, written under temporary keys as soon as each exists (the poster and
 * contact sheet while ffmpeg finishes the file, the video while ffprobe checks it), so that
 * publishing is a copy into place. Nothing is at a published key before publishRender; on a
 * failure the caller discards what was staged.
 */
export class Staging {
  private readonly staged: Array<Promise<StagedObject>> = [];

  constructor(private readonly store: ObjectStore) {}

  buffer(key: string, body: Buffer | Promise<Buffer>, contentType: string): void {
    this.track(Promise.resolve(body).then((bytes) => this.store.stageBuffer(key, bytes, contentType)));
  }

  file(key: string, filePath: string, contentType: string): void {
    this.track(this.store.stageFile(key, filePath, contentType));
  }

  /** Everything staged so far, once it is. */
  all(): Array<Promise<StagedObject>> {
    return [...this.staged];
  }

  /** Removes every temporary copy; for a render that fails. */
  async discard(): Promise<void> {
    await Promise.allSettled(this.staged.map((staged) => staged.then((object) => object.discard())));
  }

  private track(staged: Promise<StagedObject>): void {
    // Observed by publishRender or discard(); never an unhandled rejection in between.
    staged.catch(() => undefined);
    this.staged.push(staged);
  }
}

export const videoContentType = (format: RenderFormat) => (format === 'mp4' ? 'video/mp4' : 'video/webm');

export interface Publication {
  keys: RenderKeys;
  format: RenderFormat;
  /** The video, poster and contact sheet, staged while the render finished. */
  staging: Staging;
  manifest: object;
  /** The stabilised video and the motion view, when made: published under keys.stabilised and keys.motion. */
  views: { stabilised?: ViewOutput; motion?: ViewOutput };
  /** The run as it completed; its timings are finished here. */
  run: RenderRunRecord;
  frames: readonly RenderFrameRecord[];
}

export interface PublishDeps {
  store: ObjectStore;
  lineage: LineageRecorder;
  progress: ReportProgress;
}

/**
 * The publish stage. Every staged object (video, poster, contact sheet, and the views') is
 * copied into place at once; the manifest only after all of them exist; the lineage last, so
 * that it points only at objects that exist.
 */
export async function publishRender(publication: Publication, deps: PublishDeps): Promise<RenderResult> {
  const { keys, run, staging } = publication;
  const started = Date.now();
  let published = 0;
  const videoType = videoContentType(publication.format);
  const { stabilised, motion } = publication.views;
  for (const [view, videoKey, posterKey] of [[stabilised, keys.stabilised, keys.stabilisedPoster], [motion, keys.motion, keys.motionPoster]] as const) {
    if (!view) continue;
    if (!videoKey || !posterKey) throw new Error('Expected object keys for every view made');
    staging.file(videoKey, view.videoPath, videoType);
    staging.buffer(posterKey, view.poster, 'image/jpeg');
  }
  const steps = staging.all();
  const total = steps.length + 1;
  const publishing = steps.map((step) => step.then((staged) => staged.commit()).then(() => deps.progress('publish', ++published, total)));
  const outcomes = await Promise.allSettled(publishing);
  for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
  await deps.store.publishBuffer(keys.manifest, Buffer.from(JSON.stringify(publication.manifest, null, 2)), 'application/json');
  deps.progress('publish', total, total);
  const timings = { ...run.timings, publishMs: Date.now() - started, totalMs: Date.now() - Date.parse(run.startedAt) };

  const completed: RenderRunRecord = {
    ...run,
    status: 'completed',
    finishedAt: new Date().toISOString(),
    timings,
    videoKey: keys.video,
    posterKey: keys.poster,
    contactKey: keys.contact,
    manifestKey: keys.manifest,
    stabilisedVideoKey: stabilised ? keys.stabilised! : null,
    motionVideoKey: motion ? keys.motion! : null,
  };
  await deps.lineage.saveRun(completed, publication.frames);
  return resultOf(completed, keys, publication.frames);
}
