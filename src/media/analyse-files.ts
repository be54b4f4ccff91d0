import { dominantSize, readImageHeader } from './dominant-size.ts';
import type { FramePool } from './frame-pool.ts';
import { SequenceJudge } from './quality-judge.ts';
import { judgeFrames } from './render/judge.ts';
import type { QualityThresholds } from '../timelapse/render-options.ts';

export interface FileVerdict {
  file: string;
  accepted: boolean;
  reason: string | null;
  detail: string | null;
  metrics: Record<string, number>;
}

/**
 * Analyses local image files as one sequence, in the order given: what `mars frames analyze`
 * prints. The same judge stage as the render, without normalising or encoding.
 */
export async function analyseFiles(
  files: readonly string[],
  deps: { pool: FramePool; thresholds: QualityThresholds; limitInputPixels: number },
): Promise<FileVerdict[]> {
  const sizes = await Promise.all(files.map((file) => readImageHeader(file)));
  const judge = new SequenceJudge(dominantSize(sizes), deps.thresholds, (index) => files[index]!);
  const sources = files.map((path) => ({ ok: true as const, task: { path, limitInputPixels: deps.limitInputPixels } }));
  const verdicts: FileVerdict[] = [];
  for await (const { decision: d } of judgeFrames(sources, { pool: deps.pool, judge, window: deps.pool.concurrency * 2 })) {
    verdicts.push({ file: files[d.index]!, accepted: d.accepted, reason: d.reason, detail: d.detail, metrics: { ...d.metrics } });
  }
  return verdicts;
}
