import { dominantSize, readImageHeader } from './dominant-size.ts';
import type { FramePool } from './frame-pool.ts';
import type { FrameTaskResult } from './frame-task.ts';
import { SequenceJudge, type FrameDecision, type JudgeInput } from './quality-judge.ts';
import type { QualityThresholds } from '../timelapse/render-options.ts';

export interface FileVerdict {
  file: string;
  accepted: boolean;
  reason: string | null;
  detail: string | null;
  metrics: Record<string, number>;
}

/** The judge's view of one decoded frame. */
export function judgeInputOf(result: FrameTaskResult): JudgeInput {
  return result.ok
    ? { ok: true, width: result.width, height: result.height, metrics: result.metrics, pixelHash: result.pixelHash }
    : { ok: false, reason: result.reason, detail: result.detail };
}

/**
 * Analyses local image files as one sequence, in the order given: what `mars frames analyze`
 * prints. The same judge as the render, without normalising or encoding.
 */
export async function analyseFiles(
  files: readonly string[],
  deps: { pool: FramePool; thresholds: QualityThresholds; limitInputPixels: number },
): Promise<FileVerdict[]> {
  const sizes = await Promise.all(files.map((file) => readImageHeader(file)));
  const judge = new SequenceJudge(dominantSize(sizes), deps.thresholds, (index) => files[index]!);
  const decisions: FrameDecision[] = [];
  // Results are consumed in order with a bounded number in flight.
  const inFlight: Array<Promise<FrameTaskResult>> = [];
  const limit = deps.pool.concurrency * 2;
  let started = 0;
  const startNext = () => {
    const path = files[started++]!;
    inFlight.push(deps.pool.run({ path, limitInputPixels: deps.limitInputPixels }));
  };
  while (started < files.length && inFlight.length < limit) startNext();
  while (inFlight.length > 0) {
    const result = await inFlight.shift()!;
    if (started < files.length) startNext();
    decisions.push(...judge.push(judgeInputOf(result)));
  }
  decisions.push(...judge.finish());
  return decisions.map((d) => ({
    file: files[d.index]!,
    accepted: d.accepted,
    reason: d.reason,
    detail: d.detail,
    metrics: d.metrics ?? {},
  }));
}
