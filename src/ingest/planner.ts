import { z } from 'zod';
import { ValidationError } from '../platform/errors.ts';
import type { PhotoSource } from './source-routing.ts';
import type { IngestRequest } from '../timelapse/ingest-request.ts';
import { RoverSchema, type Rover } from '../timelapse/raw-objects.ts';
import { expected } from '../platform/errors.ts';

export interface SolBatch {
  solStart: number;
  solEnd: number;
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(expected('a positive integer', 'batchSize', batchSize));
  }
}

/** [solStart, solEnd] cut into consecutive batches of at most `batchSize` sols. */
export function planSolBatches(solStart: number, solEnd: number, batchSize: number): SolBatch[] {
  checkBatchSize(batchSize);
  const batches: SolBatch[] = [];
  for (let start = solStart; start <= solEnd; start += batchSize) {
    batches.push({ solStart: start, solEnd: Math.min(solEnd, start + batchSize - 1) });
  }
  return batches;
}

/**
 * Sols (any order, gaps allowed) grouped into batches: each run of consecutive sols is cut into
 * batches of at most `batchSize`, so a batch's range never covers a sol it did not fetch.
 */
export function batchSols(sols: Iterable<number>, batchSize: number): SolBatch[] {
  checkBatchSize(batchSize);
  const sorted = [...new Set(sols)].sort((a, b) => a - b);
  const batches: SolBatch[] = [];
  let runStart: number | undefined;
  let previous: number | undefined;
  const closeRun = () => {
    if (runStart !== undefined && previous !== undefined) batches.push(...planSolBatches(runStart, previous, batchSize));
  };
  for (const sol of sorted) {
    if (previous === undefined || sol !== previous + 1) {
      closeRun();
      runStart = sol;
    }
    previous = sol;
  }
  closeRun();
  return batches;
}

/**
 * Refuses a photos or feed request over more than `maxSols` sols (INGEST_MAX_SOLS): one command
 * must not hold the shared NASA budget for days. The reason names the cap and the way out.
 */
export function checkSolRange(request: IngestRequest, maxSols: number): void {
  if (request.solStart === undefined) return;
  const solEnd = request.solEnd ?? request.solStart;
  const sols = solEnd - request.solStart + 1;
  if (sols > maxSols) {
    throw new ValidationError(
      `sols ${request.solStart}-${solEnd} are ${sols} sols, over the ${maxSols} one ingestion command may cover (INGEST_MAX_SOLS): send ranges of at most ${maxSols} sols`,
    );
  }
}

export interface SolsToFetchInput {
  solStart: number;
  solEnd: number;
  /** The range's sols already ingested. */
  ingested: ReadonlySet<number>;
  /** The rover's highest ingested sol, anywhere. Default: the highest of `ingested`. */
  highest?: number;
  /** Ingested sols within this many of the highest ingested sol are fetched again. */
  lookbackSols: number;
  force?: boolean;
}

/**
 * The sols of a range that need fetching: those never ingested, plus the last `lookbackSols`
 * ingested ones (counted back from the highest ingested sol), because late downlinks add images
 * to sols already fetched. `force` fetches everything.
 */
export function solsToFetch(input: SolsToFetchInput): { fetch: number[]; skipped: number[] } {
  const fetch: number[] = [];
  const skipped: number[] = [];
  let highest = input.highest ?? -1;
  for (const sol of input.ingested) highest = Math.max(highest, sol);
  const settledUpTo = highest - input.lookbackSols;
  for (let sol = input.solStart; sol <= input.solEnd; sol++) {
    if (!input.force && input.ingested.has(sol) && sol <= settledUpTo) skipped.push(sol);
    else fetch.push(sol);
  }
  return { fetch, skipped };
}

/** One row of MARS_GOLD.INGESTION_PLANNING; BIGINTs may come back as strings. */
const PlanningRowSchema = z.object({
  rover_name: z.string().transform((name) => name.toLowerCase()).pipe(RoverSchema),
  sol_start: z.coerce.number().int().nonnegative(),
  sol_end: z.coerce.number().int().nonnegative(),
  missing_photos: z.coerce.number().nullable(),
  reason: z.string().nullable(),
});

/** How the planner reads the warehouse's gaps; the warehouse is one, handed in by the role that owns it. */
export interface PlanningRows {
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
}

export interface BackfillOptions {
  rover?: Rover;
  /** Most photo requests returned. */
  maxBatches: number;
  /** Sols per request. */
  batchSize: number;
  /** The source that serves a rover's photos first (source routing); rovers it gives none for are skipped. */
  sourceFor: (rover: Rover) => PhotoSource | undefined;
}

/**
 * Ingest requests (from the source routing gives first) for the gaps the warehouse found (MARS_GOLD.INGESTION_PLANNING), biggest gaps
 * first, each gap cut into batches, at most `maxBatches` in all: a bounded amount of work per
 * planning round, so a large archive is backfilled over many rounds rather than in one flood.
 * The requests are forced: the warehouse, not the object keys, says these sols lack photos (a
 * sol fetched while its images were still being downlinked has an object but not every photo).
 */
export async function planBackfill(warehouse: PlanningRows, options: BackfillOptions): Promise<IngestRequest[]> {
  checkBatchSize(options.batchSize);
  if (!Number.isInteger(options.maxBatches) || options.maxBatches < 0) {
    throw new RangeError(expected('a non-negative integer', 'maxBatches', options.maxBatches));
  }
  if (options.maxBatches === 0) return [];
  // Quoted lower-case aliases: Snowflake would otherwise hand the columns back upper-cased.
  const rows = await warehouse.query(
    `SELECT rover_name AS "rover_name", sol_start AS "sol_start", sol_end AS "sol_end",
            missing_photos AS "missing_photos", reason AS "reason"
       FROM MARS_GOLD.INGESTION_PLANNING
      ${options.rover ? 'WHERE lower(rover_name) = ?' : ''}
      ORDER BY missing_photos DESC NULLS LAST, rover_name, sol_start`,
    options.rover ? [options.rover] : [],
  );
  const requests: IngestRequest[] = [];
  for (const raw of rows) {
    const row = PlanningRowSchema.parse(raw);
    const source = options.sourceFor(row.rover_name);
    if (row.sol_end < row.sol_start || !source) continue;
    for (const batch of planSolBatches(row.sol_start, row.sol_end, options.batchSize)) {
      if (requests.length >= options.maxBatches) return requests;
      requests.push({ source, rover: row.rover_name, solStart: batch.solStart, solEnd: batch.solEnd, force: true, priority: 'backfill' });
    }
  }
  return requests;
}
