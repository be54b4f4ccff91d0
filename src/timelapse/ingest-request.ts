import { z } from 'zod';
import { RoverSchema, SOURCES } from './raw-objects.ts';

export const INGEST_PRIORITIES = ['interactive', 'backfill'] as const;

const sol = z.number({ message: 'expected a sol (an integer >= 0)' }).int({ message: 'expected a sol (an integer >= 0)' }).nonnegative({
  message: 'expected a sol (an integer >= 0)',
});

/** The fields of an ingest request, for callers that compose their own schema from it. */
export const IngestRequestShape = {
  source: z.enum(SOURCES, { message: `expected one of ${SOURCES.join(', ')}` }),
  rover: RoverSchema,
  solStart: sol.optional(),
  solEnd: sol.optional(),
  /** Fetch again sols that are already ingested. */
  force: z.boolean().optional(),
  /** Idempotency key of a scheduling command; ingestion itself does not use it. */
  requestId: z.string().min(1).optional(),
  /**
   * Who waits for it: `interactive` (a person: a timelapse request's metadata, a command typed
   * by hand; the default) or `backfill` (the planner). Queued backfill runs only when no
   * interactive job waits.
   */
  priority: z.enum(INGEST_PRIORITIES).optional(),
};

/**
 * What to ingest: the `mars ingest` command and the Kafka `ingestion-scheduling` command carry
 * this same shape. Photos and feeds need sols; `solEnd` alone is meaningless, and `solEnd`
 * defaults to `solStart` where only the latter is given.
 */
export const IngestRequestSchema = z.object(IngestRequestShape).superRefine((request, ctx) => {
  if ((request.source === 'photos' || request.source === 'feed') && request.solStart === undefined) {
    ctx.addIssue({ code: 'custom', path: ['solStart'], message: `expected a sol range for ${request.source} (solStart and solEnd)` });
  }
  if (request.solStart === undefined && request.solEnd !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['solStart'], message: 'expected solStart when solEnd is given' });
  }
  if (request.solStart !== undefined && request.solEnd !== undefined && request.solEnd < request.solStart) {
    ctx.addIssue({ code: 'custom', path: ['solEnd'], message: `expected solEnd >= solStart (${request.solStart}) but received ${request.solEnd}` });
  }
});

export type IngestRequest = z.infer<typeof IngestRequestSchema>;

/** "12" or "12-40" (as typed on the command line) -> { solStart, solEnd }. */
export function parseSolRange(text: string): { solStart: number; solEnd: number } {
  const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
  if (!match) throw new RangeError(`Expected a sol or a sol range like 100-120 for --sols but received "${text}"`);
  const solStart = Number(match[1]);
  const solEnd = match[2] === undefined ? solStart : Number(match[2]);
  if (solEnd < solStart) throw new RangeError(`Expected the range's end to be >= its start for --sols but received "${text}"`);
  return { solStart, solEnd };
}
