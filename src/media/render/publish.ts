import type { ObjectStore } from '../../platform/object-store/object-store.ts';
import type { RenderFrameRecord, RenderRunRecord } from '../../timelapse/lineage-records.ts';
import type { RenderFormat } from '../../timelapse/render-options.ts';
import type { LineageRecorder } from './lineage-recorder.ts';
import type { ViewOutput } from './views.ts';
import type { ReportProgress } from './progress.ts';
import { resultOf, type RenderKeys, type RenderResult } from './render-result.ts';

export interface Publication {
  keys: RenderKeys;
  videoPath: string;
  format: RenderFormat;
  poster: Buffer;
  contact: Buffer;
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
 * The publish stage. Video, poster and contact sheet at once (each written, then copied into
 * place); the manifest only after all three exist; the lineage last, so that it points only at
 * objects that exist.
 */
export async function publishRender(publication: Publication, deps: PublishDeps): Promise<RenderResult> {
  const { keys, run } = publication;
  const started = Date.now();
  let published = 0;
  const videoType = publication.format === 'mp4' ? 'video/mp4' : 'video/webm';
  const { stabilised, motion } = publication.views;
  const steps = [
    deps.store.publishFile(keys.video, publication.videoPath, videoType),
    deps.store.publishBuffer(keys.poster, publication.poster, 'image/jpeg'),
    deps.store.publishBuffer(keys.contact, publication.contact, 'image/jpeg'),
  ];
  for (const [view, videoKey, posterKey] of [[stabilised, keys.stabilised, keys.stabilisedPoster], [motion, keys.motion, keys.motionPoster]] as const) {
    if (!view) continue;
    if (!videoKey || !posterKey) throw new Error('Expected object keys for every view made');
    steps.push(deps.store.publishFile(videoKey, view.videoPath, videoType), deps.store.publishBuffer(posterKey, view.poster, 'image/jpeg'));
  }
  const total = steps.length + 1;
  const publishing = steps.map((step) => step.then(() => deps.progress('publish', ++published, total)));
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
