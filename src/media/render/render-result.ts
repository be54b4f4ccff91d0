import type { RenderFrameRecord, RenderRunRecord } from '../../timelapse/lineage-records.ts';

export interface RenderKeys {
  video: string;
  poster: string;
  contact: string;
  manifest: string;
  /** The stabilised video and the motion view with their posters, when the request asked for them. */
  stabilised?: string;
  stabilisedPoster?: string;
  motion?: string;
  motionPoster?: string;
}

export interface RenderResult {
  requestId: string;
  keys: RenderKeys;
  framesAccepted: number;
  framesRejected: number;
  durationSeconds: number;
  rejected: Array<{ imageId: string; reason: string }>;
}

/** The result of a completed run, from its records: what a render returns and a repeat answers. */
export function resultOf(run: RenderRunRecord, keys: RenderKeys, frames: readonly RenderFrameRecord[]): RenderResult {
  const rejected = frames.filter((f) => !f.accepted).map((f) => ({ imageId: f.imageId, reason: f.reason ?? 'unknown' }));
  return {
    requestId: run.requestId,
    keys,
    framesAccepted: run.framesAccepted ?? frames.length - rejected.length,
    framesRejected: rejected.length,
    durationSeconds: run.durationSeconds ?? 0,
    rejected,
  };
}
