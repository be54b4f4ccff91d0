import { z } from 'zod';
import { FrameCandidateSchema } from '../../timelapse/frame-candidate.ts';
import { TimelapseCommandSchema } from '../../timelapse/schemas.ts';

/** The BullMQ queue the render jobs go through. */
export const RENDER_QUEUE = 'timelapse-render';

/**
 * One render job. `frames` is null when the command arrived before its metadata: the worker
 * then waits (until `metadataDeadline`) for the ingestion the handler scheduled to land.
 */
export const RenderJobSchema = z.object({
  command: TimelapseCommandSchema,
  frames: z.array(FrameCandidateSchema).nullable(),
  missingSols: z.array(z.number().int().nonnegative()),
  metadataDeadline: z.iso.datetime(),
});
export type RenderJob = z.infer<typeof RenderJobSchema>;
export type RenderJobInput = z.input<typeof RenderJobSchema>;

/** Render job options: a few attempts for transient failures, the job id is the request id. */
export const RENDER_JOB_DEFAULTS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
  removeOnFail: { age: 30 * 24 * 3600 },
} as const;
