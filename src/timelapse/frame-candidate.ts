import { z } from 'zod';

/**
 * One frame a selection from the warehouse offers for a timelapse, already in playback order.
 * Width, height and sample type come from the metadata when known; the pipeline judges the
 * frame from its pixels either way.
 */
export const FrameCandidateSchema = z.object({
  imageId: z.string().min(1),
  rover: z.string().min(1),
  camera: z.string().min(1),
  sol: z.number().int().nonnegative(),
  imgSrc: z.url(),
  takenAt: z.string().nullish(),
  sclk: z.number().nullish(),
  width: z.number().int().positive().nullish(),
  height: z.number().int().positive().nullish(),
  sampleType: z.string().nullish(),
});
export type FrameCandidate = z.infer<typeof FrameCandidateSchema>;
