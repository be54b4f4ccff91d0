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
 * with its pool warmed first, in three runs of the bench: render/bare 1.22-1.28 for pool 2 +
 * ffmpeg auto, 1.27-1.31 for pool 1 + ffmpeg auto, 1.31-1.38 for pool 1 + ffmpeg 2 threads;
 * in five alternating pairs, pool 1 1.25 median and pool 2 1.29. With the judge's decode at
 * 1/4 scale the two pool sizes are within the machine's noise, and the smaller keeps a worker
 * thread's memory. `npm run bench -- media` measures them again.
 */
export function coreShare(cores = os.availableParallelism()): CoreShare {
  return { poolThreads: Math.max(1, cores - 1), encoderThreads: 0 };
}
