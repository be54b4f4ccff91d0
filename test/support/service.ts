import { setTimeout as sleep } from 'node:timers/promises';
import type { Row } from '../../src/warehouse/warehouse.ts';

/** Polls until check() answers a value (not undefined), or throws with the last state after timeoutMs. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(200);
  }
}

/** Runs a read-only query through a running service's API. */
export async function queryService(baseUrl: string, sql: string): Promise<Row[]> {
  const response = await fetch(`${baseUrl}/api/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql }) });
  const body = (await response.json()) as { rows?: Row[]; error?: string };
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body.rows!;
}

/** Photos per camera of one rover and sol in FLAT_PHOTO_RESPONSE. */
export const cameraCountsSql = (rover: string, sol: number) =>
  `SELECT camera_name AS camera, COUNT(*) AS n, COUNT(DISTINCT image_id) AS ids FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE rover_name = '${rover}' AND sol = ${sol} GROUP BY camera_name ORDER BY camera_name`;
