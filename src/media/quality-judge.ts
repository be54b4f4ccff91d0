import type { FrameMetrics } from './frame-metrics.ts';
import type { QualityThresholds } from '../timelapse/render-options.ts';

/** Why a frame was left out. Download and decode reasons come from earlier stages. */
export type RejectReason =
  | 'host-not-allowed'
  | 'redirect-host-not-allowed'
  | 'too-large'
  | 'too-many-pixels'
  | 'not-an-image'
  | 'http-error'
  | 'timeout'
  | 'download-failed'
  | 'truncated'
  | 'undecodable'
  | 'not-dominant-size'
  | 'duplicate'
  | 'black'
  | 'blank'
  | 'over-exposed'
  | 'under-exposed'
  | 'low-information'
  | 'blurred';

/** What the judge sees of one frame: its measurements, or why there are none. */
export type JudgeInput =
  | { ok: false; reason: RejectReason; detail: string }
  | { ok: true; width: number; height: number; metrics: FrameMetrics; pixelHash: string };

export interface FrameDecision {
  index: number;
  accepted: boolean;
  reason: RejectReason | null;
  /** A human sentence: the measured value against its threshold, the frame repeated, etc. */
  detail: string | null;
  metrics: (FrameMetrics & { width: number; height: number }) | null;
}

interface Entry {
  index: number;
  input: JudgeInput;
  /** Passed every check that needs no neighbours: a candidate for the medians. */
  eligible: boolean;
  early?: Verdict;
}

const median = (values: number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const fmt = (n: number, digits = 3) => Number(n.toFixed(digits));
const pct = (fraction: number) => fmt(fraction * 100, 1);

type Verdict = { reason: RejectReason; detail: string };

/** Only frames that passed the checks needing no neighbours are judged against them, and serve as neighbours. */
const metricsOf = (entry: Entry): FrameMetrics => (entry.input as Extract<JudgeInput, { ok: true }>).metrics;

/**
 * Judges a sequence in order, as frames stream in. The checks that need neighbours (exposure
 * and blur against the neighbourhood's medians) look `blurWindow` frames ahead and back,
 * so a decision for frame i comes once frame i + window has been pushed (or at `finish`):
 * memory stays bounded by the window whatever the length of the sequence.
 */
export class SequenceJudge {
  private readonly entries: Entry[] = [];
  private readonly seen = new Map<string, number>();
  private next = 0;

  constructor(
    private readonly dominant: { width: number; height: number } | null,
    private readonly thresholds: QualityThresholds,
    /** Names frames in duplicate details ("repeats frame 12" by default). */
    private readonly nameOf: (index: number) => string = (index) => `frame ${index}`,
  ) {}

  /** The lookahead: how many frames after i must be pushed before i is decided. */
  get window(): number {
    return this.thresholds.blurWindow;
  }

  /** Adds the next frame (indices must come in order) and returns the decisions now ready. */
  push(input: JudgeInput): FrameDecision[] {
    const index = this.entries.length;
    const early = this.earlyVerdict(index, input);
    this.entries.push({ index, input, eligible: early === undefined, early });
    const ready: FrameDecision[] = [];
    while (this.next + this.window < this.entries.length) ready.push(this.decide(this.next++));
    return ready;
  }

  /** Decides every frame still waiting for its lookahead. */
  finish(): FrameDecision[] {
    const ready: FrameDecision[] = [];
    while (this.next < this.entries.length) ready.push(this.decide(this.next++));
    return ready;
  }

  private earlyVerdict(index: number, input: JudgeInput): Verdict | undefined {
    if (!input.ok) return { reason: input.reason, detail: input.detail };
    const t = this.thresholds;
    const m = input.metrics;
    if (this.dominant && (input.width !== this.dominant.width || input.height !== this.dominant.height)) {
      return {
        reason: 'not-dominant-size',
        detail: `${input.width}x${input.height}, the sequence is ${this.dominant.width}x${this.dominant.height}`,
      };
    }
    const earlier = this.seen.get(input.pixelHash);
    if (earlier !== undefined) return { reason: 'duplicate', detail: `same pixels as ${this.nameOf(earlier)}` };
    this.seen.set(input.pixelHash, index);
    if (m.mean < t.blackMean) return { reason: 'black', detail: `mean luma ${m.mean} < ${t.blackMean}` };
    // Before the flat-field check: an all-white frame is flat too, but a person calls it over-exposed.
    if (m.brightClipped > t.maxBrightClipped) {
      return { reason: 'over-exposed', detail: `${fmt(m.brightClipped * 100, 1)}% of pixels clipped bright > ${t.maxBrightClipped * 100}%` };
    }
    if (m.mean > t.maxMean) return { reason: 'over-exposed', detail: `mean luma ${m.mean} > ${t.maxMean}` };
    if (m.stdDev < t.blankStdDev) return { reason: 'blank', detail: `luma deviation ${m.stdDev} < ${t.blankStdDev}` };
    if (m.darkClipped > t.maxDarkClipped) {
      return { reason: 'under-exposed', detail: `${fmt(m.darkClipped * 100, 1)}% of pixels clipped dark > ${t.maxDarkClipped * 100}%` };
    }
    if (m.mean < t.minMean) return { reason: 'under-exposed', detail: `mean luma ${m.mean} < ${t.minMean}` };
    if (m.entropy < t.minEntropy) return { reason: 'low-information', detail: `entropy ${m.entropy} bits < ${t.minEntropy}` };
    return undefined;
  }

  private neighbours(index: number): Entry[] {
    const from = Math.max(0, index - this.window);
    const to = Math.min(this.entries.length - 1, index + this.window);
    const out: Entry[] = [];
    for (let j = from; j <= to; j++) {
      const entry = this.entries[j];
      if (j !== index && entry?.eligible) out.push(entry);
    }
    return out;
  }

  private decide(index: number): FrameDecision {
    const entry = this.entries[index]!;
    const metrics = entry.input.ok
      ? { ...entry.input.metrics, width: entry.input.width, height: entry.input.height }
      : null;
    if (entry.early) return { index, accepted: false, reason: entry.early.reason, detail: entry.early.detail, metrics };
    const m = metricsOf(entry);
    const around = this.neighbours(index).map(metricsOf);
    // With fewer than two neighbours there is no sequence to judge exposure or sharpness against.
    const verdict = around.length >= 2 ? (this.exposureVerdict(m, around) ?? this.blurVerdict(m, around)) : undefined;
    if (!verdict) return { index, accepted: true, reason: null, detail: null, metrics };
    // A rejected frame no longer counts among the neighbours of the frames after it.
    entry.eligible = false;
    return { index, accepted: false, ...verdict, metrics };
  }

  /**
   * Exposure against the window around the frame, not the whole sequence: a frame that clips
   * far more than its neighbours, or whose brightness is a large factor off theirs, stands out
   * to a person even when it is within the absolute limits; slow drift moves the medians along.
   */
  private exposureVerdict(m: FrameMetrics, around: FrameMetrics[]): Verdict | undefined {
    const t = this.thresholds;
    const bright = median(around.map((n) => n.brightClipped));
    if (m.brightClipped - bright > t.maxBrightClippedRise) {
      return {
        reason: 'over-exposed',
        detail: `${pct(m.brightClipped)}% of pixels clipped bright, more than ${pct(t.maxBrightClippedRise)} points above the neighbours' median ${pct(bright)}%`,
      };
    }
    const dark = median(around.map((n) => n.darkClipped));
    if (m.darkClipped - dark > t.maxDarkClippedRise) {
      return {
        reason: 'under-exposed',
        detail: `${pct(m.darkClipped)}% of pixels clipped dark, more than ${pct(t.maxDarkClippedRise)} points above the neighbours' median ${pct(dark)}%`,
      };
    }
    const mean = median(around.map((n) => n.mean));
    if (m.mean > mean * t.maxMeanRatio) {
      return { reason: 'over-exposed', detail: `mean luma ${m.mean} > ${t.maxMeanRatio} x neighbours' median ${fmt(mean)}` };
    }
    if (m.mean * t.maxMeanRatio < mean) {
      return { reason: 'under-exposed', detail: `mean luma ${m.mean} < neighbours' median ${fmt(mean)} / ${t.maxMeanRatio}` };
    }
    return undefined;
  }

  private blurVerdict(m: FrameMetrics, around: FrameMetrics[]): Verdict | undefined {
    const t = this.thresholds;
    const sharpMedian = median(around.map((n) => n.laplacianVariance));
    if (m.laplacianVariance < t.blurFraction * sharpMedian && m.blurScore > t.minBlurScore) {
      return {
        reason: 'blurred',
        detail:
          `Laplacian variance ${m.laplacianVariance} < ${t.blurFraction} x neighbours' median ${fmt(sharpMedian)}, ` +
          `and perceptual blur ${m.blurScore} > ${t.minBlurScore}`,
      };
    }
    return undefined;
  }

}
