import sharp from 'sharp';
import { outputJpeg } from '../jpeg-output.ts';
import type { FrameCandidate } from '../../timelapse/frame-candidate.ts';
import type { RenderFrameRecord } from '../../timelapse/lineage-records.ts';
import type { RenderOptions } from '../../timelapse/render-options.ts';
import { ContactSheet } from '../contact-sheet.ts';
import type { VideoProbe } from '../probe-video.ts';
import type { LocalOriginal } from './fetch-originals.ts';
import type { FramePlan } from './frame-plan.ts';
import type { JudgedFrame } from './judge.ts';
import type { RenderKeys } from './render-result.ts';
import type { ViewsStageResult } from './views.ts';

interface PosterSource {
  /** The normalised frame as encoded, when the video was made of raw frames. */
  frame?: Uint8Array;
  path?: string;
}

/**
 * The outputs beside the video, gathered as frames pass: the contact sheet (accepted and
 * rejected frames alike, drawn in as they come) and the poster, the first accepted frame from the middle of the
 * selection on, else the last accepted one.
 */
export class RenderOutputs {
  private readonly sheet: ContactSheet;
  private poster?: PosterSource;
  private lastAccepted?: PosterSource;

  constructor(
    private readonly plan: FramePlan,
    private readonly fit: RenderOptions['fit'],
    private readonly candidates: number,
  ) {
    this.sheet = new ContactSheet(plan.sheet.size, plan.tile.width, plan.tile.height);
  }

  /** Takes every judged frame, in order, after any stage that changes its pixels. */
  add(judged: JudgedFrame): void {
    const { index, accepted } = judged.decision;
    if (this.plan.sheet.has(index)) this.sheet.add({ pixels: judged.tile ?? null, accepted });
    if (!accepted) return;
    const kept = { frame: this.plan.input.kind === 'raw' ? judged.frame : undefined, path: judged.path };
    if (!this.poster && index >= Math.floor(this.candidates / 2)) this.poster = kept;
    this.lastAccepted = kept;
  }

  posterJpeg(): Promise<Buffer> {
    const source = this.poster ?? this.lastAccepted!;
    const { output } = this.plan;
    return source.frame
      ? sharp(source.frame, { raw: { ...output, channels: 3 } }).jpeg(outputJpeg(88)).toBuffer()
      : sharp(source.path!)
          .resize(output.width, output.height, { fit: this.fit === 'crop' ? 'cover' : 'contain', background: { r: 0, g: 0, b: 0 } })
          .jpeg(outputJpeg(88))
          .toBuffer();
  }

  contactSheetJpeg(): Promise<Buffer> {
    return this.sheet.jpeg();
  }
}

export interface ManifestFacts {
  requestId: string;
  rover: string;
  camera: string;
  solStart: number;
  solEnd: number;
  options: RenderOptions;
  plan: FramePlan;
  probe: VideoProbe;
  levelling: string;
  keys: RenderKeys;
  /** The stabilisation's per-frame transforms and the motion view's stretch, when made. */
  views: ViewsStageResult['manifest'];
  candidates: readonly FrameCandidate[];
  originals: readonly LocalOriginal[];
  records: readonly RenderFrameRecord[];
}

/** The manifest published beside the video: the request, the output as probed, and every frame's decision. */
export function manifestOf(facts: ManifestFacts): Record<string, unknown> {
  const { options, plan, probe } = facts;
  return {
    requestId: facts.requestId,
    rover: facts.rover,
    camera: facts.camera,
    solStart: facts.solStart,
    solEnd: facts.solEnd,
    parameters: options,
    output: {
      ...plan.output,
      fps: options.fps,
      format: options.format,
      codec: probe.codec,
      pixFmt: probe.pixFmt,
      frames: probe.frames,
      durationSeconds: probe.durationSeconds,
      sourceSize: plan.source,
      frameInput: plan.input.kind === 'raw' ? 'raw RGB frames normalised in workers' : `original ${plan.input.codec} files, normalised by ffmpeg`,
      levelling: facts.levelling,
    },
    objects: facts.keys,
    ...(facts.views.stabilisation ? { stabilisation: facts.views.stabilisation } : {}),
    ...(facts.views.motion ? { motion: facts.views.motion } : {}),
    frames: facts.records.map((f) => ({
      candidateIndex: f.candidateIndex,
      imageId: f.imageId,
      sol: f.sol,
      takenAt: facts.candidates[f.candidateIndex]!.takenAt ?? null,
      sourceUrl: f.sourceUrl,
      objectKey: f.objectKey,
      sha256: (facts.originals[f.candidateIndex] as { sha256?: string }).sha256 ?? null,
      accepted: f.accepted,
      frameIndex: f.frameIndex,
      reason: f.reason,
      detail: f.detail,
      metrics: f.metrics,
    })),
    renderedAt: new Date().toISOString(),
  };
}
