import type { Job } from 'bullmq';
import type { RenderStage } from '../../media/render/progress.ts';
import type { TimelapseStage } from '../../timelapse/schemas.ts';

/**
 * Each media stage's share of a request's progress. The stages overlap (frames are analysed,
 * normalised and encoded as a stream), so the overall fraction is the weighted sum of every
 * stage's own fraction: it only ever grows.
 */
const STAGE_WEIGHT: Record<RenderStage, number> = { download: 0.3, analyse: 0.25, normalise: 0.1, encode: 0.3, publish: 0.05 };

const ORDER: readonly RenderStage[] = ['download', 'analyse', 'normalise', 'encode', 'publish'];

/**
 * Turns the media pipeline's per-stage progress into the request's overall fraction, and sends
 * it on (job progress and an event) when a stage starts or the whole moved by 5 %. The stage
 * sent is the furthest one reached: overlapping stages report in any order, but a watcher sees
 * the stage only move forward (never encode, then normalise).
 */
export class ProgressReporter {
  private readonly fractions = new Map<RenderStage, number>();
  private furthest = -1;
  private lastSent = -1;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly job: Pick<Job, 'updateProgress'>,
    private readonly send: (stage: TimelapseStage, fraction: number) => Promise<void>,
  ) {}

  report(stage: RenderStage, stageFraction: number): void {
    this.fractions.set(stage, Math.min(1, Math.max(this.fractions.get(stage) ?? 0, stageFraction)));
    const reached = ORDER.indexOf(stage);
    const newStage = reached > this.furthest;
    this.furthest = Math.max(this.furthest, reached);
    let overall = 0;
    for (const [s, f] of this.fractions) overall += STAGE_WEIGHT[s] * f;
    overall = Math.round(Math.min(1, overall) * 1000) / 1000;
    if (!newStage && overall - this.lastSent < 0.05) return;
    this.lastSent = overall;
    const shown = ORDER[this.furthest]!;
    // Sent in order, one at a time; a failed send must not fail the render.
    this.chain = this.chain
      .then(() => this.job.updateProgress({ stage: shown, fraction: overall }))
      .then(() => this.send(shown, overall))
      .catch(() => undefined);
  }

  flush(): Promise<void> {
    return this.chain;
  }
}
