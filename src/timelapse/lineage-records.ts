/**
 * What MARS_LINEAGE holds about renders: the original behind each frame, each run, and each
 * frame's decision. The media pipeline writes them through a recorder it is given; the
 * warehouse stores and reads them.
 */

/** A NASA image cached in the object store. */
export interface ImageAsset {
  imageId: string;
  roverName: string | null;
  cameraName: string | null;
  sol: number | null;
  sourceUrl: string;
  objectKey: string;
  sha256: string;
  bytes: number;
  contentType: string;
  width: number | null;
  height: number | null;
  fetchedAt: string;
}

export type RunStatus = 'running' | 'completed' | 'failed';

export interface RenderRunRecord {
  requestId: string;
  roverName: string;
  cameraName: string;
  solStart: number;
  solEnd: number;
  parameters: unknown;
  status: RunStatus;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  timings: Record<string, number> | null;
  framesTotal: number;
  framesAccepted: number | null;
  videoKey: string | null;
  posterKey: string | null;
  contactKey: string | null;
  manifestKey: string | null;
  durationSeconds: number | null;
  /** `normal` or `motion`; null for runs recorded before modes existed. */
  mode?: string | null;
  stabilised?: boolean | null;
  /** Stabilisation and motion-view parameters and results (zoom, corrections, window, gains). */
  viewParameters?: unknown;
  stabilisedVideoKey?: string | null;
  motionVideoKey?: string | null;
}

export interface RenderFrameRecord {
  requestId: string;
  imageId: string;
  sol: number | null;
  candidateIndex: number;
  frameIndex: number | null;
  accepted: boolean;
  reason: string | null;
  detail: string | null;
  metrics: object | null;
  sourceUrl: string;
  objectKey: string | null;
}
