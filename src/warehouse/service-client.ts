import { z } from 'zod';
import { authorizationHeader } from '../http/api-guard.ts';
import type { CappedRows } from './capped-query.ts';

const QueryAnswerSchema = z.union([
  z.object({ rows: z.array(z.record(z.string(), z.unknown())), truncated: z.boolean().default(false) }),
  z.object({ error: z.string() }),
]);

/**
 * Runs a read-only query through a running `mars serve` (`POST /api/query`): how the other
 * `mars` commands reach the embedded DuckDB file while the service holds it. The service sends
 * at most `limit` rows and says when there were more.
 */
export async function queryThroughService(serviceUrl: string, sql: string, params: readonly unknown[], limit: number, token?: string): Promise<CappedRows> {
  let response: Response;
  try {
    response = await fetch(new URL('/api/query', serviceUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authorizationHeader(token) },
      body: JSON.stringify({ sql, params, limit }),
    });
  } catch (error) {
    throw new Error(`No mars serve answered at ${serviceUrl} (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  const answer = QueryAnswerSchema.parse(await response.json());
  if ('error' in answer) throw new Error(`mars serve at ${serviceUrl} refused the query: ${answer.error}`);
  return { rows: answer.rows, truncated: answer.truncated };
}
