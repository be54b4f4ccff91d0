export type RenderStage = 'download' | 'analyse' | 'normalise' | 'encode' | 'publish';

export interface RenderProgress {
  stage: RenderStage;
  fraction: number;
  done: number;
  total: number;
}

/** Reports `done` of `total` for a stage. */
export type ReportProgress = (stage: RenderStage, done: number, total: number) => void;

/** Calls onProgress at most once per percent of each stage, and always at its end. */
export function progressReporter(onProgress?: (p: RenderProgress) => void): ReportProgress {
  const last = new Map<RenderStage, number>();
  return (stage, done, total) => {
    if (!onProgress) return;
    const fraction = total === 0 ? 1 : done / total;
    if (done !== total && fraction - (last.get(stage) ?? -1) < 0.01) return;
    last.set(stage, fraction);
    onProgress({ stage, fraction: Number(fraction.toFixed(4)), done, total });
  };
}
