import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROLES } from '../../../src/workers/roles.ts';
import { startTimelapseHarness, type TimelapseHarness } from '../../support/timelapse-harness.ts';

let h: TimelapseHarness;

beforeAll(async () => {
  // Every role of the service and nothing ingested: the request has to fetch its own metadata.
  h = await startTimelapseHarness({
    preload: false,
    roles: [...ROLES],
    env: { MODEL_DEBOUNCE_MS: '200', PLANNER_WINDOW_SOLS: '0', TIMELAPSE_METADATA_TIMEOUT_MS: '120000' },
  });
}, 180_000);

afterAll(async () => {
  await h?.close();
});

it('a request for sols never ingested schedules their ingestion, waits for the warehouse, and renders', async () => {
  const { final, events } = await h.request({ requestId: 'fetch-first', rover: 'perseverance', camera: 'NAVCAM_LEFT', solStart: 394, solEnd: 394 });
  expect(final, JSON.stringify(final)).toMatchObject({ status: 'completed', framesAccepted: 18, framesRejected: 2 });
  expect(events[0]).toMatchObject({ status: 'accepted' });
  expect(events[0]).not.toHaveProperty('frames');
  expect(events[1]).toMatchObject({ status: 'progress', stage: 'ingest', fraction: 0 });
  const scheduled = (await h.kafka.readTopic('ingestion-scheduling', 1)).map((m) => JSON.parse(m.value!));
  expect(scheduled).toEqual([{ source: 'photos', rover: 'perseverance', solStart: 394, solEnd: 394, requestId: 'fetch-first:photos:394-394' }]);
  const warehouse = await h.runtime.warehouse();
  expect(await warehouse.query(`SELECT COUNT(*) AS n FROM MARS_LINEAGE.RENDER_FRAMES WHERE request_id = 'fetch-first'`)).toEqual([{ n: 20 }]);
}, 180_000);
