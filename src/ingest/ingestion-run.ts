import { errorMessage } from '../platform/errors.ts';
import type { IngestRequest } from '../timelapse/ingest-request.ts';
import type { IngestionRun } from '../timelapse/topics.ts';

/** What an ingest attempt did, as far as the run history needs it (a failed attempt's partial tally too). */
export interface IngestSummaryLike {
  records: number;
  requests: number;
  objectKeys: string[];
  quarantined?: number;
  retries?: number;
  rateLimitWaits?: number;
  rateLimitWaitMs?: number;
}

export interface IngestionRunFacts {
  runId: string;
  request: IngestRequest;
  attempt: number;
  summary: IngestSummaryLike;
  startedAt: string;
  /** What ended the run, or null for a completed one. */
  error: unknown;
  finishedAt?: string;
}

/**
 * One row of the run history (`ingestion-runs`, MARS_OPS.INGEST_RUNS), built the same way for a
 * queued job and for `mars ingest`, so both read alike on the pipeline page.
 */
export function ingestionRun(facts: IngestionRunFacts): IngestionRun {
  const { request, summary, error } = facts;
  return {
    runId: facts.runId,
    source: request.source,
    rover: request.rover,
    solStart: request.solStart ?? null,
    solEnd: request.solEnd ?? request.solStart ?? null,
    status: error ? 'failed' : 'completed',
    attempt: facts.attempt,
    requests: summary.requests,
    records: summary.records,
    quarantined: summary.quarantined ?? 0,
    retries: summary.retries ?? 0,
    rateLimitWaits: summary.rateLimitWaits ?? 0,
    rateLimitWaitMs: summary.rateLimitWaitMs ?? 0,
    objects: summary.objectKeys.length,
    error: error ? errorMessage(error) : null,
    startedAt: facts.startedAt,
    finishedAt: facts.finishedAt ?? new Date().toISOString(),
  };
}
