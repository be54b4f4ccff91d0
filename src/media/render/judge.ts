import type { FramePool } from '../frame-pool.ts';
import type { FrameTask, FrameTaskResult } from '../frame-task.ts';
import type { FrameDecision, JudgeInput, RejectReason, SequenceJudge } from '../quality-judge.ts';

/** One frame of a sequence to judge: the pool's task for it, or why there is nothing to measure. */
export type JudgeSource = { ok: true; task: FrameTask } | { ok: false; reason: RejectReason; detail: string };

/** A frame with its decision, in sequence order, and what the pool made of it. */
export interface JudgedFrame {
  decision: FrameDecision;
  /** The image file the frame was measured from. */
  path?: string;
  /** The normalised RGB frame, when the task asked for one. */
  frame?: Uint8Array;
  /** The contact-sheet tile, when the task asked for one. */
  tile?: Uint8Array;
  /** The original file's bytes as measured, when the task asked to keep them. */
  original?: Uint8Array;
}

export interface JudgeStageOptions {
  pool: FramePool;
  judge: SequenceJudge;
  /**
   * Tasks dispatched ahead of the frame being judged: while the consumer (ffmpeg) pushes back,
   * the pool keeps working through them, so analysis never waits for the encoder or the
   * encoder for analysis; and no more than this many results are ever held.
   */
  window: number;
  signal?: AbortSignal;
  /** Called as each frame's measurements arrive, in order. */
  onAnalysed?: (done: number, total: number) => void;
}

/** The judge's view of one decoded frame. */
function judgeInputOf(result: FrameTaskResult): JudgeInput {
  return result.ok
    ? { ok: true, width: result.width, height: result.height, metrics: result.metrics, pixelHash: result.pixelHash }
    : { ok: false, reason: result.reason, detail: result.detail };
}

/**
 * The judge stage: measures the sequence in the pool, a bounded window ahead, and yields every
 * frame with its decision in order, as soon as the judge's lookahead allows. What the pool
 * returns for a frame is held only until its decision is yielded.
 */
export async function* judgeFrames(
  sources: ReadonlyArray<JudgeSource | Promise<JudgeSource>>,
  options: JudgeStageOptions,
): AsyncGenerator<JudgedFrame> {
  const { pool, judge, signal } = options;
  const results = new Map<number, FrameTaskResult>();
  const paths = new Map<number, string>();
  const judged = (decision: FrameDecision): JudgedFrame => {
    const result = results.get(decision.index);
    results.delete(decision.index);
    const path = paths.get(decision.index);
    paths.delete(decision.index);
    return result?.ok ? { decision, path, frame: result.frame, tile: result.tile, original: result.original } : { decision, path };
  };

  // A source may still be on its way (an original being fetched): its task starts when it arrives.
  const dispatch = (index: number): Promise<{ source: JudgeSource; result: FrameTaskResult | null }> => {
    const task = Promise.resolve(sources[index]!).then(async (source) => ({ source, result: source.ok ? await pool.run(source.task, signal) : null }));
    // Tasks still queued when the consumer stops (abort, failure) reject unobserved: that is expected.
    task.catch(() => undefined);
    return task;
  };
  const inFlight: Array<ReturnType<typeof dispatch>> = [];
  let dispatched = 0;
  while (dispatched < sources.length && inFlight.length < options.window) inFlight.push(dispatch(dispatched++));

  for (let index = 0; index < sources.length; index++) {
    signal?.throwIfAborted();
    const { source, result } = await inFlight.shift()!;
    if (dispatched < sources.length) inFlight.push(dispatch(dispatched++));
    options.onAnalysed?.(index + 1, sources.length);
    let input: JudgeInput;
    if (source.ok) {
      results.set(index, result!);
      paths.set(index, source.task.path);
      input = judgeInputOf(result!);
    } else {
      input = source;
    }
    for (const decision of judge.push(input)) yield judged(decision);
  }
  for (const decision of judge.finish()) yield judged(decision);
}
