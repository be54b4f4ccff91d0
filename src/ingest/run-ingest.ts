import type { Config } from '../platform/config.ts';
import { formatIssues, ValidationError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import type { ObjectStore } from '../platform/object-store/object-store.ts';
import { ISSUES_SHOWN, type HttpClient, type RequestTally } from './http-client.ts';
import { IngestRequestSchema, type IngestRequest } from '../timelapse/ingest-request.ts';
import { batchSols, checkSolRange, solsToFetch, type SolBatch } from './planner.ts';
import { SolIndex } from './sol-index.ts';
import {
  QuarantineEnvelopeSchema,
  RawEnvelopeSchema,
  quarantineObjectKey,
  rawObjectKey,
  type RawEnvelope,
  type Rover,
  type Source,
} from '../timelapse/raw-objects.ts';
import { fetchPhotosForSol, type ClassicApiTarget } from './sources/classic-photos.ts';
import { fetchManifest } from './sources/manifests.ts';
import { fetchTraverseLayer, TRAVERSE_LAYERS } from './sources/mmgis-traverse.ts';
import { FEED_VARIANTS, fetchMars2020Sol, fetchMslSols } from './sources/raw-feeds.ts';
import { requireSource } from './source-routing.ts';
import { mergeBatches, type QuarantineItem, type SourceBatch } from './sources/source-batch.ts';

export interface IngestProgress {
  done: number;
  total: number;
  stage: string;
}

export interface IngestDeps {
  config: Config;
  store: ObjectStore;
  http: HttpClient;
  logger: Logger;
  onProgress?: (progress: IngestProgress) => void;
  /** Clock for `ingestedAt` (tests pin it). Default: the wall clock. */
  now?: () => Date;
  /** Told how the run went, failed runs included (what they did before the error): for run history. */
  onSettled?: (summary: IngestSummary, error: unknown) => void;
}

export interface IngestSummary {
  source: Source;
  rover: Rover;
  /** HTTP requests made, retries included. */
  requests: number;
  /** Records written to raw objects. */
  records: number;
  /** Records that failed validation and went to quarantine. */
  quarantined: number;
  /** Requests that were retries of an earlier attempt. */
  retries: number;
  /** Waits for the rate limit (request budget or 429), and their total milliseconds. */
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  /** Raw objects written, in order. */
  objectKeys: string[];
  /** The quarantine object written, if any record was quarantined. */
  quarantineKey: string | null;
  /** Sols of the range not fetched because they were ingested before the look-back window. */
  skippedSols: number[];
}

function solsOf(batch: SolBatch): number[] {
  return Array.from({ length: batch.solEnd - batch.solStart + 1 }, (_, i) => batch.solStart + i);
}

/** Runs every task; throws the first failure only after all have settled (no stray requests). */
async function settleAll<T>(tasks: Array<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}

/** Fetches each sol of a batch (all at once, bounded by the HTTP client), reports each as done, merges them. */
async function fetchEachSol(batch: SolBatch, onSol: (sol: number) => void, fetchSol: (sol: number) => Promise<SourceBatch>): Promise<SourceBatch> {
  const perSol = await settleAll(
    solsOf(batch).map(async (sol) => {
      const fetched = await fetchSol(sol);
      onSol(sol);
      return fetched;
    }),
  );
  return mergeBatches(perSol);
}

/**
 * Fetches one ingest request's records from its NASA source and writes them to the object store
 * as raw envelopes (records exactly as received), quarantining records that fail validation.
 * Photos and feeds go in batches of sols (one object per batch; a sol without photos still gets
 * its object, so it counts as ingested); sols ingested before the look-back window are skipped
 * unless `force`. The same handler serves `mars ingest` and the `ingestion-scheduling` consumer.
 */
export async function runIngest(request: IngestRequest, deps: IngestDeps): Promise<IngestSummary> {
  const parsed = IngestRequestSchema.safeParse(request);
  if (!parsed.success) throw new ValidationError(`invalid ingest request: ${formatIssues(parsed.error.issues, ISSUES_SHOWN)}`);
  const req = parsed.data;
  checkSolRange(req, deps.config.ingest.maxSols);
  const logger = deps.logger.child({ module: 'ingest', source: req.source, rover: req.rover });
  const tally: RequestTally = { requests: 0, retries: 0, rateLimitWaits: 0, rateLimitWaitMs: 0 };
  const quarantine: QuarantineItem[] = [];
  const summary: IngestSummary = {
    source: req.source,
    rover: req.rover,
    requests: 0,
    records: 0,
    quarantined: 0,
    retries: 0,
    rateLimitWaits: 0,
    rateLimitWaitMs: 0,
    objectKeys: [],
    quarantineKey: null,
    skippedSols: [],
  };
  const clock = deps.now ?? (() => new Date());
  let lastStamp = 0;
  // Two objects of one run never share a timestamp, even on a pinned or coarse clock.
  const stamp = () => {
    lastStamp = Math.max(clock().getTime(), lastStamp + 1);
    return new Date(lastStamp).toISOString();
  };
  const progress = (done: number, total: number, stage: string) => deps.onProgress?.({ done, total, stage });
  const index = new SolIndex(deps.store);

  const writeRaw = async (batch: SourceBatch, where: Pick<RawEnvelope, 'solStart' | 'solEnd' | 'variant'>) => {
    quarantine.push(...batch.quarantine);
    const envelope = RawEnvelopeSchema.parse({
      source: req.source,
      rover: req.rover,
      ...where,
      ingestedAt: stamp(),
      requests: batch.requests,
      records: batch.records,
    });
    const key = rawObjectKey(envelope);
    await deps.store.putJson(key, envelope);
    summary.objectKeys.push(key);
    summary.records += batch.records.length;
    logger.info({ key, records: batch.records.length, quarantined: batch.quarantine.length }, 'raw object written');
    return key;
  };

  /** Photos and feeds: fetch the sols that need it, batch by batch, one object per batch. */
  const ingestSols = async (fetchBatch: (batch: SolBatch, onSol: (sol: number) => void) => Promise<SourceBatch>, variant: string | null) => {
    const solStart = req.solStart!;
    const solEnd = req.solEnd ?? solStart;
    const solSource = req.source === 'feed' ? 'feed' : 'photos';
    const [ingested, highest] = req.force
      ? [new Set<number>(), undefined]
      : await Promise.all([index.ingested(solSource, req.rover, solStart, solEnd), index.highest(solSource, req.rover)]);
    const { fetch, skipped } = solsToFetch({ solStart, solEnd, ingested, highest, lookbackSols: deps.config.ingest.lookbackSols, force: req.force });
    summary.skippedSols = skipped;
    if (skipped.length > 0) logger.info({ skipped: skipped.length }, 'sols already ingested, skipped');
    let done = 0;
    progress(0, fetch.length, 'start');
    for (const batch of batchSols(fetch, deps.config.ingest.batchSols)) {
      const fetched = await fetchBatch(batch, (sol) => progress(++done, fetch.length, `sol ${sol}`));
      const key = await writeRaw(fetched, { solStart: batch.solStart, solEnd: batch.solEnd, variant });
      await index.record(solSource, req.rover, solsOf(batch), key);
    }
  };

  let failure: { error: unknown } | undefined;
  try {
    switch (req.source) {
      case 'photos': {
        const target: ClassicApiTarget = { baseUrl: requireSource(deps.config, 'photos', req.rover), apiKey: deps.config.nasa.apiKey };
        await ingestSols((batch, onSol) => fetchEachSol(batch, onSol, (sol) => fetchPhotosForSol(deps.http, target, req.rover, sol, { tally })), null);
        break;
      }
      case 'feed': {
        const baseUrl = requireSource(deps.config, 'feed', req.rover);
        // requireSource refused rovers without a feed.
        const variant = FEED_VARIANTS[req.rover]!;
        await ingestSols(async (batch, onSol) => {
          if (variant === 'msl') {
            const fetched = await fetchMslSols(deps.http, baseUrl, batch.solStart, batch.solEnd, { tally });
            solsOf(batch).forEach(onSol);
            return fetched;
          }
          return fetchEachSol(batch, onSol, (sol) => fetchMars2020Sol(deps.http, baseUrl, sol, { tally }));
        }, variant);
        break;
      }
      case 'manifests': {
        const target: ClassicApiTarget = { baseUrl: requireSource(deps.config, 'manifests', req.rover), apiKey: deps.config.nasa.apiKey };
        progress(0, 1, 'manifest');
        const fetched = await fetchManifest(deps.http, target, req.rover, { tally });
        if (fetched.records.length > 0) await writeRaw(fetched, { solStart: null, solEnd: null, variant: null });
        else quarantine.push(...fetched.quarantine);
        progress(1, 1, 'manifest');
        break;
      }
      case 'traverse': {
        const baseUrl = requireSource(deps.config, 'traverse', req.rover);
        let done = 0;
        progress(0, TRAVERSE_LAYERS.length, 'start');
        for (const layer of TRAVERSE_LAYERS) {
          const fetched = await fetchTraverseLayer(deps.http, baseUrl, req.rover, layer, { tally });
          await writeRaw(fetched, { solStart: null, solEnd: null, variant: layer });
          progress(++done, TRAVERSE_LAYERS.length, `layer ${layer}`);
        }
        break;
      }
    }
  } catch (error) {
    failure = { error };
  }
  summary.requests = tally.requests;
  summary.retries = tally.retries ?? 0;
  summary.rateLimitWaits = tally.rateLimitWaits ?? 0;
  summary.rateLimitWaitMs = tally.rateLimitWaitMs ?? 0;
  summary.quarantined = quarantine.length;
  // Quarantined records are written even when the run failed later: never dropped silently.
  if (quarantine.length > 0) {
    try {
      await writeQuarantine();
    } catch (error) {
      if (!failure) throw error;
      logger.error({ err: error, quarantined: quarantine.length }, 'quarantine could not be written after the run failed');
    }
  }
  deps.onSettled?.(summary, failure?.error ?? null);
  if (failure) throw failure.error;
  return summary;

  async function writeQuarantine(): Promise<void> {
    const envelope = QuarantineEnvelopeSchema.parse({ source: req.source, rover: req.rover, ingestedAt: stamp(), items: quarantine });
    const key = quarantineObjectKey(envelope);
    await deps.store.putJson(key, envelope);
    summary.quarantineKey = key;
    logger.warn({ key, quarantined: quarantine.length, firstReason: quarantine[0]?.reason }, 'records quarantined');
  }
}
