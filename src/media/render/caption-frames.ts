import { captionText, drawCaption } from '../caption.ts';
import type { Size } from '../dominant-size.ts';
import type { FrameCandidate } from '../../timelapse/frame-candidate.ts';
import type { JudgedFrame } from './judge.ts';

/**
 * Burns each accepted frame's caption (rover, camera, sol, time) into its normalised pixels,
 * in place, between the judge and the encoder: the poster shows it too.
 */
export async function* captionFrames(frames: AsyncIterable<JudgedFrame>, candidates: readonly FrameCandidate[], size: Size): AsyncGenerator<JudgedFrame> {
  for await (const judged of frames) {
    if (judged.decision.accepted && judged.frame) drawCaption(judged.frame, size.width, size.height, captionText(candidates[judged.decision.index]!));
    yield judged;
  }
}
