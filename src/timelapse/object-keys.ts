import type { FrameCandidate } from './frame-candidate.ts';

/** A key segment safe in S3 keys and file names. */
export const keySegment = (value: string | number) => String(value).replace(/[^A-Za-z0-9._-]/g, '_');

/** Where an original is cached: `images/<rover>/<camera>/<sol>/<id>.<ext>`. */
export function originalKey(candidate: Pick<FrameCandidate, 'rover' | 'camera' | 'sol' | 'imageId'>, ext: string): string {
  return `images/${keySegment(candidate.rover.toLowerCase())}/${keySegment(candidate.camera)}/${candidate.sol}/${keySegment(candidate.imageId)}.${ext}`;
}

/**
 * `timelapses/<rover>/<camera>/<solStart>-<solEnd>/<requestId>/` and the object keys under it:
 * the video, its poster, the contact sheet and the manifest, and, when asked for, the stabilised
 * video and the motion view, each with its own poster.
 */
export function timelapseKeys(input: { rover: string; camera: string; solStart: number; solEnd: number; requestId: string }, format: 'mp4' | 'webm') {
  const prefix = `timelapses/${keySegment(input.rover.toLowerCase())}/${keySegment(input.camera)}/${input.solStart}-${input.solEnd}/${input.requestId}/`;
  return {
    prefix,
    video: `${prefix}video.${format}`,
    poster: `${prefix}poster.jpg`,
    contact: `${prefix}contact.jpg`,
    manifest: `${prefix}manifest.json`,
    stabilised: `${prefix}stabilised.${format}`,
    stabilisedPoster: viewPosterKey(`${prefix}stabilised.${format}`),
    motion: `${prefix}motion.${format}`,
    motionPoster: viewPosterKey(`${prefix}motion.${format}`),
  };
}

/** The poster beside a view's video: `…/motion.mp4` → `…/motion-poster.jpg`. */
export function viewPosterKey(videoKey: string): string {
  return videoKey.replace(/\.[A-Za-z0-9]+$/, '-poster.jpg');
}
