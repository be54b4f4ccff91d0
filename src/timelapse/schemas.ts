import { z } from 'zod';
import { RoverSchema } from './raw-objects.ts';
import { MotionLayoutSchema, MotionWindowSchema, QualityThresholdsSchema, RenderFormatSchema, RenderModeSchema, RenderOptionsSchema } from './render-options.ts';

/**
 * The contract of the `timelapse-commands` and `timelapse-events` topics. Any producer may
 * publish a command; the same schema checks it in the CLI, the gallery's form and the handler.
 */

/**
 * Request ids become part of object keys, so they keep to key-safe characters. They are also the
 * render job's BullMQ id, which BullMQ refuses when it reads as an integer ("394"): refused here,
 * at every door, rather than after the request was accepted.
 */
export const RequestIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, {
    message: 'expected a request id of 1-128 letters, digits, dots, underscores or hyphens, starting with a letter or digit',
  })
  .refine((id) => !/^\d+$/.test(id), { message: 'expected a request id that is not only digits (navcam-394, not 394)' });

/**
 * Camera names as NASA spells them: a family (NAVCAM, MAST, FHAZ) or an instrument (NAV_LEFT_B,
 * NAVCAM_LEFT, MCZ_RIGHT); lower case is accepted and upper-cased.
 */
export const CameraSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9_]{2,40}$/, { message: 'expected a camera name such as NAVCAM_LEFT or FHAZ' });

const sol = z.number().int().min(0).max(100_000);

/** The eye of a two-eyed camera family (NAVCAM, MAST, FHAZ) a command renders; left by default. */
export const EyeSchema = z.enum(['left', 'right']);
export type Eye = z.infer<typeof EyeSchema>;

/** Quality thresholds a command may override; the rest keep the media pipeline's defaults. */
export const ThresholdsSchema = QualityThresholdsSchema.partial().strict();

/** The longest sol range one command may ask for: keeps a single render bounded. */
export const MAX_SOL_SPAN = 200;

const commandFields = z.object({
  requestId: RequestIdSchema,
  rover: RoverSchema,
  camera: CameraSchema,
  solStart: sol,
  solEnd: sol,
  eye: EyeSchema.optional(),
  /** Only the frames of this command sequence within the sols (NCAM00545; MARS_GOLD.TIMELAPSE_CANDIDATES lists them). */
  sequenceId: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z0-9_]{1,40}$/, { message: 'expected a sequence id such as NCAM00545' })
    .optional(),
  fps: z.number().int().min(1).max(60).optional(),
  width: RenderOptionsSchema.shape.width,
  height: RenderOptionsSchema.shape.height,
  thresholds: ThresholdsSchema.optional(),
  format: RenderFormatSchema.optional(),
  fit: z.enum(['letterbox', 'crop']).optional(),
  levelBrightness: z.boolean().optional(),
  caption: z.boolean().optional(),
  /** Also publish a stabilised video (`stabilised.mp4`). */
  stabilise: z.boolean().optional(),
  /** `motion`: also publish the motion view (`motion.mp4`), of the stabilised frames when stabilising. */
  mode: RenderModeSchema.optional(),
  /** The motion view alone (`single`) or beside the frame (`side-by-side`). */
  layout: MotionLayoutSchema.optional(),
  /** Frames in the motion view's running median (odd, 3-31; default 9). */
  motionWindow: MotionWindowSchema.optional(),
  /** Who asked (the CLI, the gallery, `mars start`): shown in the gallery, never trusted. */
  requestedBy: z.string().max(100).optional(),
});

function checkSols(c: { solStart: number; solEnd: number }, ctx: z.RefinementCtx): void {
  if (c.solEnd < c.solStart) ctx.addIssue({ code: 'custom', message: 'solEnd must not be before solStart', path: ['solEnd'] });
  else if (c.solEnd - c.solStart >= MAX_SOL_SPAN) ctx.addIssue({ code: 'custom', message: `a command covers at most ${MAX_SOL_SPAN} sols`, path: ['solEnd'] });
}

/** A command with its sols: what the handler renders, and what the CLI and the gallery send. */
export const TimelapseCommandSchema = commandFields.superRefine(checkSols);
export type TimelapseCommand = z.infer<typeof TimelapseCommandSchema>;

/**
 * What `timelapse-commands` carries: a command with its sols, or a `sequenceId` instead of them
 * (the handler finds the sequence's sols in MARS_GOLD.TIMELAPSE_CANDIDATES).
 */
export const TimelapseCommandMessageSchema = commandFields.extend({ solStart: sol.optional(), solEnd: sol.optional() }).superRefine((c, ctx) => {
  if (c.solStart !== undefined && c.solEnd !== undefined) return checkSols({ solStart: c.solStart, solEnd: c.solEnd }, ctx);
  if (c.solStart !== undefined || c.solEnd !== undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected both solStart and solEnd, or neither', path: [c.solStart === undefined ? 'solStart' : 'solEnd'] });
  } else if (c.sequenceId === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected solStart and solEnd, or a sequenceId', path: ['solStart'] });
  }
});
export type TimelapseCommandMessage = z.infer<typeof TimelapseCommandMessageSchema>;

export const TIMELAPSE_STAGES = ['resolve', 'ingest', 'queued', 'download', 'analyse', 'normalise', 'encode', 'publish'] as const;
export const StageSchema = z.enum(TIMELAPSE_STAGES);
export type TimelapseStage = z.infer<typeof StageSchema>;

export const OutputKeysSchema = z.object({
  video: z.string().min(1),
  poster: z.string().min(1),
  contact: z.string().min(1),
  manifest: z.string().min(1),
  /** Present when the command asked for stabilisation. */
  stabilised: z.string().min(1).optional(),
  stabilisedPoster: z.string().min(1).optional(),
  /** Present when the command asked for the motion view. */
  motion: z.string().min(1).optional(),
  motionPoster: z.string().min(1).optional(),
});

const base = { requestId: RequestIdSchema, at: z.iso.datetime() };

export const AcceptedEventSchema = z.object({
  ...base,
  status: z.literal('accepted'),
  /** Candidate frames found, when already known. */
  frames: z.number().int().nonnegative().optional(),
  /** True when this answers a repeat of a request already accepted. */
  repeat: z.boolean().optional(),
});

export const ProgressEventSchema = z.object({
  ...base,
  status: z.literal('progress'),
  fraction: z.number().min(0).max(1),
  stage: StageSchema,
  message: z.string().optional(),
});

export const CompletedEventSchema = z.object({
  ...base,
  status: z.literal('completed'),
  keys: OutputKeysSchema,
  url: z.url(),
  framesAccepted: z.number().int().nonnegative(),
  framesRejected: z.number().int().nonnegative(),
  durationSeconds: z.number().nonnegative(),
  repeat: z.boolean().optional(),
});

export const FailedEventSchema = z.object({
  ...base,
  status: z.literal('failed'),
  reason: z.string().min(1),
  repeat: z.boolean().optional(),
});

export const TimelapseEventSchema = z.discriminatedUnion('status', [
  AcceptedEventSchema,
  ProgressEventSchema,
  CompletedEventSchema,
  FailedEventSchema,
]);
export type TimelapseEvent = z.infer<typeof TimelapseEventSchema>;
export type CompletedEvent = z.infer<typeof CompletedEventSchema>;
export type FailedEvent = z.infer<typeof FailedEventSchema>;

/** Builds an event stamped with the current time, checked against the schema before it leaves. */
export function timelapseEvent(event: DistributiveOmit<TimelapseEvent, 'at'>, now: () => Date = () => new Date()): TimelapseEvent {
  return TimelapseEventSchema.parse({ ...event, at: now().toISOString() });
}

/** Omit over each member of a union (plain Omit would merge the members). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
