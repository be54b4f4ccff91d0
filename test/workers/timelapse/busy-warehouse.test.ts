import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryApiRole } from '../../../src/workers/roles.ts';
import { timelapseRenderRole } from '../../../src/workers/timelapse/render-role.ts';
import { timelapseCommandsRole } from '../../../src/workers/timelapse/roles.ts';
import { startTimelapseHarness, type TimelapseHarness } from '../../support/timelapse-harness.ts';

const TIMEOUT_MS = 2000;
let h: TimelapseHarness;

beforeAll(async () => {
  h = await startTimelapseHarness({ roles: [timelapseCommandsRole, timelapseRenderRole, queryApiRole], env: { QUERY_TIMEOUT_MS: String(TIMEOUT_MS) } });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

async function postQuery(sql: string): Promise<{ status: number; body: { error?: string; rows?: unknown[] } }> {
  const response = await fetch(`${h.service.http.url}/api/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql }) });
  return { status: response.status, body: (await response.json()) as { error?: string; rows?: unknown[] } };
}

describe('a never-ending query through the API while a timelapse renders', () => {
  it('is stopped each time at the limit, and the timelapse command published meanwhile completes', async () => {
    let rendering = true;
    const refusals: Array<{ status: number; body: unknown }> = [];
    // Keeps the warehouse busy with endless queries for as long as the render runs.
    const hog = (async () => {
      while (rendering) refusals.push(await postQuery('SELECT count(*) FROM range(1000000000000)'));
    })();
    const { final } = await h.request({ requestId: 'busy-1', rover: 'perseverance', camera: 'NAVCAM_LEFT', solStart: 394, solEnd: 394, fps: 12 });
    rendering = false;
    await hog;
    expect(final).toMatchObject({ status: 'completed', framesAccepted: 18 });
    expect(refusals.length).toBeGreaterThan(0);
    for (const refusal of refusals) {
      expect(refusal).toEqual({ status: 504, body: { error: `the query ran longer than QUERY_TIMEOUT_MS (${TIMEOUT_MS} ms) and was stopped` } });
    }
    expect((await postQuery('SELECT 42 AS answer')).body.rows).toEqual([{ answer: 42 }]);
  });
});
