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

  it('calls an all-white frame over-exposed, an all-black one black, a flat grey one blank', () => {
    const decisions = judgeAll([
      frame({ mean: 255, stdDev: 0, brightClipped: 1, entropy: 0 }),
      frame({ mean: 0, stdDev: 0, darkClipped: 1, entropy: 0 }),
      frame({ mean: 128, stdDev: 0.5, entropy: 0.1 }),
    ]);
    expect(decisions.map((d) => [d.reason, d.detail])).toEqual([
      ['over-exposed', '100% of pixels clipped bright > 25%'],
      ['black', 'mean luma 0 < 8'],
      ['blank', 'luma deviation 0.5 < 2'],
    ]);
  });

  it('rejects a frame that stands out from its neighbours in clipping or brightness, under the absolute limits', () => {
    const decisions = judgeAll([
      frame(), frame(), frame(),
      frame({ brightClipped: 0.24, mean: 200 }), // partly clipped, under the absolute 25%
      frame({ darkClipped: 0.45, mean: 60 }), // under the absolute 50% dark
      frame({ mean: 60 }), // half its neighbours' light, above the absolute 20
      frame({ mean: 190 }), // far brighter, under the absolute 235
      frame({ mean: 140, brightClipped: 0.02 }), // a brighter sky frame: within the factor
      frame(), frame(),
    ]);
    expect(decisions.map((d) => d.reason)).toEqual([null, null, null, 'over-exposed', 'under-exposed', 'under-exposed', 'over-exposed', null, null, null]);
    expect(decisions[3]!.detail).toBe("24% of pixels clipped bright, more than 10 points above the neighbours' median 0%");
    expect(decisions[4]!.detail).toBe("45% of pixels clipped dark, more than 25 points above the neighbours' median 0%");
    expect(decisions[5]!.detail).toBe("mean luma 60 < neighbours' median 110 / 1.6");
    expect(decisions[6]!.detail).toBe("mean luma 190 > 1.6 x neighbours' median 110");
  });

  it('follows lighting drift: the medians come from a window, not the whole sequence', () => {
    // Morning to noon: mean luma 40 to 200 in 3% steps, far apart at the ends, alike nearby.
    const drift = Array.from({ length: 60 }, (_, i) => frame({ mean: Number((40 * 1.028 ** i).toFixed(3)) }));
    const decisions = judgeAll(drift);
    expect(drift.map((f) => (f as Extract<JudgeInput, { ok: true }>).metrics.mean).at(-1)).toBeGreaterThan(200);
    expect(decisions.filter((d) => !d.accepted)).toEqual([]);
    // The same dim frame stands out late in the sequence, not early where its neighbours are as dim.
    const late = judgeAll([...drift.slice(0, 50), frame({ mean: 60 }), ...drift.slice(50)]);
    expect(late.filter((d) => !d.accepted).map((d) => [d.index, d.reason])).toEqual([[50, 'under-exposed']]);
    const early = judgeAll([...drift.slice(0, 10), frame({ mean: 60 }), ...drift.slice(10)]);
    expect(early.filter((d) => !d.accepted)).toEqual([]);
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
