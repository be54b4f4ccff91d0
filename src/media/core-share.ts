import os from 'node:os';

/** How a render divides the machine between the frame pool and ffmpeg. */
export interface CoreShare {
  /** Worker threads measuring frames for the judge. */
  poolThreads: number;
  /** ffmpeg's threads; 0 leaves the choice to ffmpeg. */
  encoderThreads: number;
}

/**
 * The render's split of the cores. The encoder is the floor and the judge's work is a fraction
 * of it: 10-13 ms of CPU per 1024x1024 frame (7-8 of them libvips decoding at the measuring
 * scale) against 45-85 ms for ffmpeg's decode and x264 medium, so one measuring thread keeps the
 * judge ahead of ffmpeg. The pool gets one thread fewer than the cores (a worker thread less,
 * its memory too) and ffmpeg keeps its own threading. On 2 cores the three splits measure
 * within the noise of one another (render/bare 1.30, 1.29 and 1.31 wall, 1.31, 1.26 and 1.25
 * CPU time for pool 2 + ffmpeg auto, pool 1 + ffmpeg auto, pool 1 + ffmpeg 2 threads; in
 * alternating pairs, pool 1 gave 1.21-1.28 and pool 2 1.32-1.33, with 3 s more CPU time);
 * `npm run bench -- media` measures them again.
 */
export function coreShare(cores = os.availableParallelism()): CoreShare {
  return { poolThreads: Math.max(1, cores - 1), encoderThreads: 0 };
}
