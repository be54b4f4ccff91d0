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
 * of it: 7-8 ms of CPU per 1024x1024 frame (5-6 of them libvips decoding at the measuring
 * scale) against 45-85 ms for ffmpeg's decode and x264 medium, so one measuring thread keeps the
 * judge ahead of ffmpeg. The pool gets one thread fewer than the cores (a worker thread less,
 * its memory too) and ffmpeg keeps its own threading. On 2 cores, each split in three pairs
 * with its pool warmed first: render/bare 1.40-1.47 for pool 2 + ffmpeg auto, 1.34 for pool 1 +
 * ffmpeg auto, 1.37-1.39 for pool 1 + ffmpeg 2 threads (unwarmed, pool 2 had looked best, as
 * its threads loading during the bare encode slowed the bare side); `npm run bench -- media`
 * measures them again.
 */
export function coreShare(cores = os.availableParallelism()): CoreShare {
  return { poolThreads: Math.max(1, cores - 1), encoderThreads: 0 };
}
