import { describe, expect, it } from 'vitest';
import type { FrameMetrics } from '../../src/media/frame-metrics.ts';
import { SequenceJudge, type FrameDecision, type JudgeInput } from '../../src/media/quality-judge.ts';
import { QualityThresholdsSchema } from '../../src/timelapse/render-options.ts';

const base: FrameMetrics = { mean: 110, stdDev: 28, darkClipped: 0, brightClipped: 0, entropy: 6.5, laplacianVariance: 80, blurScore: 0.2 };
const frame = (over: Partial<FrameMetrics> = {}, hash = Math.random().toString(36), size = { width: 640, height: 480 }): JudgeInput => ({
  ok: true,
  ...size,
  metrics: { ...base, ...over },
  pixelHash: hash,
});

function judgeAll(inputs: JudgeInput[], thresholds = {}): FrameDecision[] {
  const judge = new SequenceJudge({ width: 640, height: 480 }, QualityThresholdsSchema.parse(thresholds));
  return [...inputs.flatMap((input) => judge.push(input)), ...judge.finish()];
}

describe('SequenceJudge', () => {
  it('gives each defect its reason, checked in a fixed order', () => {
    const decisions = judgeAll([
      frame(),
      frame({}, 'same'),
      frame({}, 'same'),
      frame({}, undefined, { width: 160, height: 120 }),
      frame({ mean: 3, stdDev: 1 }),
      frame({ stdDev: 1 }),
      frame({ brightClipped: 0.4, mean: 240 }),
      frame({ mean: 238 }),
      frame({ darkClipped: 0.7, mean: 30 }),
      frame({ mean: 15 }),
      frame({ entropy: 1.5 }),
      { ok: false, reason: 'truncated', detail: 'cut' },
      frame(),
    ]);
    expect(decisions.map((d) => d.reason)).toEqual([
      null, null, 'duplicate', 'not-dominant-size', 'black', 'blank', 'over-exposed', 'over-exposed', 'under-exposed', 'under-exposed',
      'low-information', 'truncated', null,
    ]);
    expect(decisions[2]!.detail).toBe('same pixels as frame 1');
    expect(decisions[3]!.detail).toBe('160x120, the sequence is 640x480');
    expect(decisions[11]).toMatchObject({ accepted: false, metrics: null, detail: 'cut' });
  });

  it('calls a frame blurred only when both witnesses agree: low Laplacian against the neighbours and a high blur score', () => {
    const decisions = judgeAll([
      frame(), frame(), frame(),
      frame({ laplacianVariance: 2, blurScore: 0.55 }), // defocused ground
      frame({ laplacianVariance: 2, blurScore: 0.16 }), // soft sky, fine grain intact
      frame({ laplacianVariance: 70, blurScore: 0.5 }), // busy scene, high score alone is not enough
      frame(), frame(),
    ]);
    expect(decisions.map((d) => d.reason)).toEqual([null, null, null, 'blurred', null, null, null, null]);
    expect(decisions[3]!.detail).toBe("Laplacian variance 2 < 0.2 x neighbours' median 80, and perceptual blur 0.55 > 0.35");
  });

  it('does not judge sharpness without at least two neighbours', () => {
    expect(judgeAll([frame({ laplacianVariance: 1, blurScore: 0.9 }), frame()]).map((d) => d.accepted)).toEqual([true, true]);
  });

  it('takes thresholds per request', () => {
    expect(judgeAll([frame({ entropy: 5 }), frame()], { minEntropy: 6 }).map((d) => d.reason)).toEqual(['low-information', null]);
  });

  it('decides frame i once the window after it has arrived, so memory stays bounded', () => {
    const judge = new SequenceJudge({ width: 640, height: 480 }, QualityThresholdsSchema.parse({ blurWindow: 3 }));
    const ready = Array.from({ length: 6 }, () => judge.push(frame()).map((d) => d.index));
    expect(ready).toEqual([[], [], [], [0], [1], [2]]);
    expect(judge.finish().map((d) => d.index)).toEqual([3, 4, 5]);
  });
});
