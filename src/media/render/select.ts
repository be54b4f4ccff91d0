import { z } from 'zod';
import type { Logger } from '../../platform/logger.ts';
import type { ObjectStore } from '../../platform/object-store/object-store.ts';
import { FrameCandidateSchema } from '../../timelapse/frame-candidate.ts';
import type { RenderRunRecord } from '../../timelapse/lineage-records.ts';
import { timelapseKeys } from '../../timelapse/object-keys.ts';
import { RenderOptionsSchema } from '../../timelapse/render-options.ts';
import type { LineageRecorder } from './lineage-recorder.ts';
import { resultOf, type RenderKeys, type RenderResult } from './render-result.ts';

/** A request with its selection: the ordered frames of a rover's camera over a range of sols. */
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
export type SelectedInput = z.output<typeof RenderInputSchema>;

export type Selection = { kind: 'recorded'; result: RenderResult } | { kind: 'render'; run: RenderRunRecord };

async function recordedResult(input: SelectedInput, run: RenderRunRecord, lineage: LineageRecorder, store: ObjectStore): Promise<RenderResult | null> {
  const { videoKey: video, posterKey: poster, contactKey: contact, manifestKey: manifest } = run;
  if (!video || !poster || !contact || !manifest) return null;
  const all = timelapseKeys(input, input.options.format);
  const keys: RenderKeys = {
    video,
    poster,
    contact,
    manifest,
    ...(run.stabilisedVideoKey ? { stabilised: run.stabilisedVideoKey, stabilisedPoster: all.stabilisedPoster } : {}),
    ...(run.motionVideoKey ? { motion: run.motionVideoKey, motionPoster: all.motionPoster } : {}),
  };
  const present = await Promise.all(Object.values(keys).map((key) => store.exists(key)));
  if (present.includes(false)) return null;
  return resultOf(run, keys, await lineage.getFrames(run.requestId));
}

/**
 * The select stage: what a request needs. A request already rendered whose objects all exist
 * answers with its recorded result; any other starts a run over its selected frames, recorded
 * as running before any work.
 */
export async function selectRender(
  input: SelectedInput,
  deps: { lineage: LineageRecorder; store: ObjectStore; log: Logger },
): Promise<Selection> {
  const previous = await deps.lineage.getRun(input.requestId);
  if (previous?.status === 'completed') {
    const result = await recordedResult(input, previous, deps.lineage, deps.store);
    if (result) {
      deps.log.info({ video: result.keys.video }, 'request already rendered: returning the recorded result');
      return { kind: 'recorded', result };
    }
    deps.log.warn('request recorded as completed but its objects are missing: rendering again');
  }
  const run: RenderRunRecord = {
    requestId: input.requestId,
    roverName: input.rover,
    cameraName: input.camera,
    solStart: input.solStart,
    solEnd: input.solEnd,
    parameters: input.options,
    status: 'running',
    error: null,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    timings: null,
    framesTotal: input.frames.length,
    framesAccepted: null,
    videoKey: null,
    posterKey: null,
    contactKey: null,
    manifestKey: null,
    durationSeconds: null,
    mode: input.options.mode,
    stabilised: input.options.stabilise,
  };
  await deps.lineage.saveRun(run, []);
  return { kind: 'render', run };
}
