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
 * of it: about 14 ms of CPU per 1024x1024 frame against x264 medium's 60-75 ms, so one
 * measuring thread keeps the judge ahead of ffmpeg. The pool gets one thread fewer than the
 * cores (a worker thread less, its memory too) and ffmpeg keeps its own threading. On 2 cores,
 * under a busy machine, the three splits measured within the noise of one another (render/bare
 * 1.49, 1.24 and 1.63 wall, 1.50, 1.57 and 1.49 CPU time for pool 2 + ffmpeg auto, pool 1 +
 * ffmpeg auto, pool 1 + ffmpeg 2 threads); `npm run bench -- media` measures them again.
 */
export function coreShare(cores = os.availableParallelism()): CoreShare {
  return { poolThreads: Math.max(1, cores - 1), encoderThreads: 0 };
}
