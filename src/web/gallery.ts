import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestUrl, type RouteHandler } from '../http/http-server.ts';
import { formatIssues } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import type { ObjectStore } from '../platform/object-store/object-store.ts';
import { TimelapseCommandSchema, type TimelapseCommand, type TimelapseEvent } from '../timelapse/schemas.ts';
import type { EventLog } from './event-log.ts';
import type { GalleryData } from './gallery-data.ts';
import { serveMedia } from './media-route.ts';
import { openEventStream, readJsonObject, sendHtml, sendJson, sendText } from './responses.ts';
import { listPage, type ListPageInput } from './pages/list-page.ts';
import { runPage } from './pages/run-page.ts';

export interface GalleryDeps {
  data: GalleryData;
  /** Where each rover's photos come from (source routing), for the request form. */
  sourceRoutes: ListPageInput['sourceRoutes'];
  store: ObjectStore;
  events: EventLog;
  /** Publishes a command to `timelapse-commands`, exactly as any other producer would. */
  publishCommand: (command: TimelapseCommand) => Promise<void>;
  logger: Logger;
}


const MAX_BODY_BYTES = 16 * 1024;

/**
 * The gallery: the list of timelapses with a request form, a page per run, the media route
 * (only `timelapses/` and `images/` objects, with byte ranges) and a small JSON API that
 * publishes commands and streams a request's events.
 */
export function createGallery(deps: GalleryDeps): RouteHandler {
  return async (req, res) => {
    const url = requestUrl(req);
    if (!url) return false;
    const method = req.method ?? 'GET';
    const path = url.pathname;
    try {
      if ((method === 'GET' || method === 'HEAD') && path.startsWith('/media/')) {
        await serveMedia(req, res, path.slice('/media/'.length), deps);
        return true;
      }
      if (method === 'GET' && path === '/') {
        const [runs, suggestions] = await Promise.all([deps.data.listRuns(), deps.data.suggestions()]);
        const known = new Set(runs.map((r) => r.request_id));
        const pending = deps.events.pending().filter((e) => !known.has(e.requestId));
        sendHtml(res, 200, listPage({ runs, pending, suggestions, sourceRoutes: deps.sourceRoutes }));
        return true;
      }
      const runMatch = /^\/runs\/([^/]+)$/.exec(path);
      if (method === 'GET' && runMatch) {
        const requestId = decodePart(runMatch[1]!);
        const run = await deps.data.getRun(requestId);
        if (!run) {
          sendText(res, 404, `No run with request id ${requestId}.`);
          return true;
        }
        const [frames, traverse] = await Promise.all([
          deps.data.getRunFrames(requestId),
          deps.data.traverse(run.rover_name, run.sol_start, run.sol_end),
        ]);
        sendHtml(res, 200, runPage({ run, frames, traverse }));
        return true;
      }
      if (path === '/api/timelapses' && method === 'POST') {
        await acceptCommand(req, res, deps);
        return true;
      }
      const apiMatch = /^\/api\/timelapses\/([^/]+)(\/events)?$/.exec(path);
      if (apiMatch && method === 'GET') {
        const requestId = decodePart(apiMatch[1]!);
        if (apiMatch[2]) streamEvents(req, res, requestId, deps.events);
        else await sendStatus(res, requestId, deps);
        return true;
      }
      return false;
    } catch (error) {
      deps.logger.error({ err: error, path }, 'gallery request failed');
      if (!res.headersSent) sendText(res, 500, 'The gallery could not answer this request; see the server log.');
      else res.destroy();
      return true;
    }
  };
}

async function acceptCommand(req: IncomingMessage, res: ServerResponse, deps: GalleryDeps): Promise<void> {
  const body = await readJsonObject(req, res, MAX_BODY_BYTES);
  if (!body) return;
  const withId = { requestId: `web-${randomBytes(6).toString('hex')}`, requestedBy: 'gallery', ...body };
  const parsed = TimelapseCommandSchema.safeParse(withId);
  if (!parsed.success) {
    return sendJson(res, 400, { error: formatIssues(parsed.error.issues) });
  }
  await deps.publishCommand(parsed.data);
  deps.logger.info({ requestId: parsed.data.requestId }, 'timelapse command published from the gallery');
  sendJson(res, 202, { requestId: parsed.data.requestId, events: `/api/timelapses/${encodeURIComponent(parsed.data.requestId)}/events` });
}

async function sendStatus(res: ServerResponse, requestId: string, deps: GalleryDeps): Promise<void> {
  const latest = deps.events.latest(requestId);
  const run = await deps.data.getRun(requestId);
  if (!latest && !run) return sendJson(res, 404, { error: `no request ${requestId} seen` });
  sendJson(res, 200, { requestId, latest: latest ?? null, run: run ?? null });
}

/** Server-Sent Events: what is known so far, then every new event until a final one. */
function streamEvents(req: IncomingMessage, res: ServerResponse, requestId: string, events: EventLog): void {
  let unsubscribe = (): void => undefined;
  const stream = openEventStream(req, res, () => unsubscribe());
  const send = (event: TimelapseEvent) => {
    stream.send(event);
    if (event.status === 'completed' || event.status === 'failed') stream.end();
  };
  unsubscribe = events.subscribe(requestId, send);
  for (const event of events.history(requestId)) send(event);
}

/** A path segment as text; a malformed escape yields text no request id matches, not an error. */
function decodePart(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
