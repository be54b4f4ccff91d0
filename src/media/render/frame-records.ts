import type { FrameCandidate } from '../../timelapse/frame-candidate.ts';
import type { RenderFrameRecord } from '../../timelapse/lineage-records.ts';
import type { FrameDecision } from '../quality-judge.ts';
import type { LocalOriginal } from './fetch-originals.ts';

/**
 * Every decided frame as MARS_LINEAGE records it. `frameIndexOf` gives an accepted frame's
 * place in the published video; a run that published nothing passes none.
 */
export function frameRecords(
  requestId: string,
  candidates: readonly FrameCandidate[],
  /** Each candidate's original, where it has arrived. */
  originals: ReadonlyArray<LocalOriginal | undefined>,
  decisions: readonly FrameDecision[],
  frameIndexOf: ReadonlyMap<number, number> = new Map(),
): RenderFrameRecord[] {
  return decisions.map((d) => {
    const candidate = candidates[d.index]!;
    const original = originals[d.index];
    return {
      requestId,
      imageId: candidate.imageId,
      sol: candidate.sol,
      candidateIndex: d.index,
      frameIndex: d.accepted ? (frameIndexOf.get(d.index) ?? null) : null,
      accepted: d.accepted,
      reason: d.reason,
      detail: d.detail,
      metrics: d.metrics,
      sourceUrl: candidate.imgSrc,
      objectKey: original?.ok ? original.objectKey : null,
    };
  });
}
