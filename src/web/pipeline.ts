import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { requestUrl, type RouteHandler } from '../http/http-server.ts';
import { formatIssues } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { ROVERS, type Rover } from '../timelapse/raw-objects.ts';
import type { ReplayOutcome } from '../warehouse/ops/replay-dead-letter.ts';
import { pipelinePage, pipelineSections } from './pages/pipeline-page.ts';
import type { PipelineData } from './pipeline-data.ts';
import { openEventStream, readJsonObject, sendHtml, sendJson, sendText } from './responses.ts';

export interface PipelineDeps {
  data: PipelineData;
  /** Replays one dead letter (once; a second replay is refused). */
  replay: (letterId: string, by: string) => Promise<ReplayOutcome>;
  /** Schedules the first batch of a gap's sols as a backfill command; answers what was scheduled, or null if no source serves the rover. */
  scheduleBackfill: (gap: { rover: Rover; solStart: number; solEnd: number }) => Promise<string | null>;
  logger: Logger;
  /** How often the event stream looks for changes. Default 2 s. */
  pollMs?: number;
}

const ReplayBodySchema = z.object({ letterId: z.string().min(1).max(200) });
const BackfillBodySchema = z
  .object({ rover: z.enum(ROVERS), solStart: z.number().int().nonnegative(), solEnd: z.number().int().nonnegative() })
  .refine((gap) => gap.solStart <= gap.solEnd, { message: 'expected solStart <= solEnd' });
const MAX_BODY_BYTES = 4 * 1024;

/**
 * `/pipeline`: ingestion runs, the loader's ledger, builds with their data tests, the gap plan,
 * anomalies and dead letters, server-rendered and refreshed through Server-Sent Events
 * (`/pipeline/events` says when something changed); `POST /api/dead-letters/replay` and
 * `POST /api/pipeline/backfill` back its buttons (and `mars dead-letters replay`).
 */
export function createPipelinePage(deps: PipelineDeps): RouteHandler {
  return async (req, res) => {
    const url = requestUrl(req);
    if (!url) return false;
    const method = req.method ?? 'GET';
    try {
      if (method === 'GET' && url.pathname === '/pipeline') {
        const view = await deps.data.view();
        if (url.searchParams.get('part') === 'sections') sendHtml(res, 200, pipelineSections(view).toString());
        else sendHtml(res, 200, pipelinePage(view));
        return true;
      }
      if (method === 'GET' && url.pathname === '/pipeline/events') {
        streamChanges(req, res, deps);
        return true;
      }
      if (method === 'POST' && url.pathname === '/api/dead-letters/replay') {
        await replay(req, res, deps);
        return true;
      }
      if (method === 'POST' && url.pathname === '/api/pipeline/backfill') {
        await backfill(req, res, deps);
        return true;
      }
      return false;
    } catch (error) {
      deps.logger.error({ err: error, path: url.pathname }, 'pipeline request failed');
      if (!res.headersSent) sendText(res, 500, 'The pipeline page could not answer this request; see the server log.');
      else res.destroy();
      return true;
    }
  };
}

async function replay(req: IncomingMessage, res: ServerResponse, deps: PipelineDeps): Promise<void> {
  const body = await readJsonObject(req, res, MAX_BODY_BYTES);
  if (!body) return;
  const parsed = ReplayBodySchema.safeParse(body);
  if (!parsed.success) return sendJson(res, 400, { error: formatIssues(parsed.error.issues) });
  const outcome = await deps.replay(parsed.data.letterId, req.headers['user-agent']?.includes('mars-timelapse') ? 'mars dead-letters' : 'pipeline page');
  switch (outcome.status) {
    case 'replayed':
      deps.logger.info({ letterId: outcome.letter.letterId, topic: outcome.letter.topic }, 'dead letter replayed');
      return sendJson(res, 200, { ...outcome, message: `Replayed ${outcome.letter.letterId} to ${outcome.letter.topic}.` });
    case 'refused':
      return sendJson(res, 409, { ...outcome, message: `Not replayed: ${outcome.reason}.` });
    case 'not-found':
      return sendJson(res, 404, { ...outcome, message: `No dead letter ${outcome.letterId}.` });
  }
}

async function backfill(req: IncomingMessage, res: ServerResponse, deps: PipelineDeps): Promise<void> {
  const body = await readJsonObject(req, res, MAX_BODY_BYTES);
  if (!body) return;
  const parsed = BackfillBodySchema.safeParse(body);
  if (!parsed.success) return sendJson(res, 400, { error: formatIssues(parsed.error.issues) });
  const scheduled = await deps.scheduleBackfill(parsed.data);
  if (!scheduled) return sendJson(res, 409, { error: `no configured source serves ${parsed.data.rover}'s photos` });
  sendJson(res, 202, { message: `Scheduled ${scheduled}.` });
}

/** One event whenever the page's data changed (and one on connecting); the page fetches the sections again. */
function streamChanges(req: IncomingMessage, res: ServerResponse, deps: PipelineDeps): void {
  let last: string | undefined;
  let closed = false;
  const poll = setInterval(() => void check(), deps.pollMs ?? 2000);
  const stream = openEventStream(req, res, () => {
    closed = true;
    clearInterval(poll);
  });
  const check = async () => {
    const fingerprint = await deps.data.fingerprint().catch(() => last);
    if (closed || fingerprint === undefined || fingerprint === last) return;
    last = fingerprint;
    stream.send({ changed: fingerprint });
  };
  void check();
}
