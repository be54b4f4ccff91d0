import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { Service } from '../platform/lifecycle.ts';
import { once } from '../platform/lifecycle.ts';
import { runFrameTask, type FrameTask, type FrameTaskResult } from './frame-task.ts';

/** Runs per-frame work; the render and `frames analyze` take one, or make their own. */
export interface FramePool {
  run(task: FrameTask, signal?: AbortSignal): Promise<FrameTaskResult>;
  /** How many tasks it runs at once: the pipeline keeps about twice this many in flight. */
  readonly concurrency: number;
  close(): Promise<void>;
}

const workerFile = fileURLToPath(new URL('./frame-worker.mjs', import.meta.url));

export interface WorkerFramePoolOptions {
  /** Worker threads. Default: the machine's available parallelism. */
  threads?: number;
  /** Frames each thread works on at once. Default 1; see ANALYSIS_TASKS_PER_THREAD. */
  tasksPerThread?: number;
}

/**
 * Frames per thread when analysis has the cores to itself (`mars frames analyze`): while
 * libvips decodes one frame off the thread, the thread measures the other instead of waiting;
 * 2 threads gave 184 frames/s instead of about 160 with one frame each when every frame went
 * through libvips. A JPEG the native decoder takes is decoded on the thread itself, so two
 * frames only overlap for other formats (2 threads: 329-346 frames/s with two frames each,
 * 295-336 with one). A render keeps one frame per thread: a second takes
 * a core from ffmpeg (render/bare 1.60 against 1.46 in alternating pairs).
 */
export const ANALYSIS_TASKS_PER_THREAD = 2;

/**
 * A piscina pool of worker threads. Worth it because measuring a frame is JavaScript (luma,
 * histogram, Laplacian): sharp's own decode already runs off the JS thread.
 */
export class WorkerFramePool implements FramePool, Service {
  readonly name = 'frame-pool';
  readonly threads: number;
  readonly concurrency: number;
  private readonly piscina: Piscina;

  constructor(options: WorkerFramePoolOptions = {}) {
    this.threads = Math.max(1, options.threads ?? os.availableParallelism());
    const tasksPerThread = Math.max(1, options.tasksPerThread ?? 1);
    this.concurrency = this.threads * tasksPerThread;
    this.piscina = new Piscina({
      filename: workerFile,
      minThreads: this.threads,
      maxThreads: this.threads,
      concurrentTasksPerWorker: tasksPerThread,
      // Tasks run in the order they were asked for. By default piscina puts a task it cannot
      // hand to a busy thread back at the tail of its queue, so a window of frames finishes out
      // of order (0, 1, 3, 5, ... 31, 4, 8, ... on one thread): the judge, which decides in
      // order, then waits for frames the pool has pushed back while ffmpeg waits for it.
      stricterFIFO: true,
    });
  }

  async start(): Promise<void> {}

  /**
   * An aborted signal refuses the task before it reaches the pool; a task already handed over
   * runs to its end (a frame takes milliseconds). Handing the signal to piscina would terminate
   * the thread of a running task, which the pool shares with every other render, and a result
   * the thread had already posted then reached piscina for a task it no longer knew: an
   * uncaught 'Unexpected message from Worker' error.
   */
  run(task: FrameTask, signal?: AbortSignal): Promise<FrameTaskResult> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return this.piscina.run(task);
  }

  close = once(async () => {
    await this.piscina.destroy();
  });

  describe(): Record<string, unknown> {
    return { threads: this.threads, concurrency: this.concurrency, completed: this.piscina.completed, queued: this.piscina.queueSize };
  }
}

/** Runs the frame work on the calling thread: for one-off analysis and the single-thread bench. */
export class InlineFramePool implements FramePool {
  readonly concurrency = 1;
  run(task: FrameTask): Promise<FrameTaskResult> {
    return runFrameTask(task);
  }
  async close(): Promise<void> {}
}
