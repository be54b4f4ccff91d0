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
 * of it (decoding at the measuring scale), so the pool gets one thread fewer than the cores and
 * ffmpeg keeps its own threading: the judge still runs ahead of the encoder while two busy
 * measuring threads would take a whole core from x264. `npm run bench -- media` measures the
 * alternatives and prints the figures behind this choice.
 */
export function coreShare(cores = os.availableParallelism()): CoreShare {
  return { poolThreads: Math.max(1, cores - 1), encoderThreads: 0 };
}
