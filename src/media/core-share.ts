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
 * of it: about 5.5 ms of CPU per 1024x1024 frame (3 of them the native decode at the measuring
 * scale) against 45-55 ms for ffmpeg's decode and x264 medium, so one measuring thread keeps
 * the judge ahead of ffmpeg. The pool gets one thread fewer than the cores (a worker thread
 * less, its memory too) and ffmpeg keeps its own threading. On 2 cores, each split in three
 * pairs with its pool warmed first: with the native decoder, render/bare 1.15 for pool 2 +
 * ffmpeg auto, 1.17 for pool 1 + ffmpeg auto, 1.31 for pool 1 + ffmpeg 2 threads (1.24, 1.21,
 * 1.22 in another run); through sharp, 1.22-1.28, 1.27-1.31 and 1.31-1.38 in three runs. The
 * two pool sizes are within the machine's noise, and the smaller keeps a worker thread's
 * memory. `npm run bench -- media` measures them again.
 */
export function coreShare(cores = os.availableParallelism()): CoreShare {
  return { poolThreads: Math.max(1, cores - 1), encoderThreads: 0 };
}
