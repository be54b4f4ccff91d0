import { viewPosterKey } from '../../timelapse/object-keys.ts';
import type { RunRow } from '../gallery-data.ts';
import { isServableKey, mediaPath } from '../media-route.ts';

export type VideoView = 'normal' | 'stabilised' | 'motion';

export interface RunVideo {
  view: VideoView;
  /** `/media/…` paths of the video and its poster. */
  src: string;
  poster: string | null;
}

/** The videos a run published, in the order the page offers them: plain, stabilised, motion. */
export function runVideos(run: RunRow): RunVideo[] {
  const videos: RunVideo[] = [];
  const add = (view: VideoView, key: string | null, posterKey: string | null) => {
    if (key && isServableKey(key)) videos.push({ view, src: mediaPath(key), poster: posterKey && isServableKey(posterKey) ? mediaPath(posterKey) : null });
  };
  add('normal', run.video_key, run.poster_key);
  add('stabilised', run.stabilised_video_key, run.stabilised_video_key && viewPosterKey(run.stabilised_video_key));
  add('motion', run.motion_video_key, run.motion_video_key && viewPosterKey(run.motion_video_key));
  return videos;
}
