import { z } from 'zod';
import { authorizationHeader } from '../http/api-guard.ts';
import { queryThroughService } from './service-client.ts';
import type { Config } from '../platform/config.ts';
import { ValidationError } from '../platform/errors.ts';
import { MAX_ROW_LIMIT, type CappedRows } from './capped-query.ts';
import { WarehouseLockedError } from './duckdb-warehouse.ts';
import { openWarehouse } from './open-warehouse.ts';
import type { Row, Warehouse } from './warehouse.ts';

/**
 * The embedded warehouse reached through the `mars serve` that holds its file (`POST
 * /api/query`): read-only, which is all `mars query` and `mars warehouse test` need.
 */
export class ServiceWarehouse implements Warehouse {
  readonly dialect = 'duckdb' as const;
  constructor(
    readonly serviceUrl: string,
    readonly token?: string,
  ) {}

  /** All rows of a query, refused rather than cut short when there are more than the service sends at once. */
  async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const answer = await queryThroughService(this.serviceUrl, sql, params, MAX_ROW_LIMIT, this.token);
    if (answer.truncated) throw new ValidationError(`the query answers more than ${MAX_ROW_LIMIT} rows: narrow it`);
    return answer.rows as T[];
  }

  /** At most `limit` rows, and whether there were more. */
  queryCapped(sql: string, limit: number): Promise<CappedRows> {
    return queryThroughService(this.serviceUrl, sql, [], limit, this.token);
  }
  private refuse(): never {
    throw new ValidationError(`the warehouse is held by mars serve at ${this.serviceUrl}: only read-only queries go through it`);
  }
  async exec(): Promise<void> {
    this.refuse();
  }
  async insertRows(): Promise<void> {
    this.refuse();
  }
  async transaction<T>(): Promise<T> {
    this.refuse();
  }
  async close(): Promise<void> {}
}

/** Where a running `mars serve` answers: MARS_SERVICE_URL, else this machine's PORT. */
export const localServiceUrl = (config: Config): string => config.serviceUrl ?? `http://127.0.0.1:${config.port}`;

/**
 * The warehouse for a command, opened from the configuration (the caller closes it), or the
 * `mars serve` holding the embedded file when another process has it. Opened here rather than
 * through the Runtime, whose close() would report the refused open again.
 */
export async function openWarehouseOrService(config: Config): Promise<Warehouse> {
  try {
    return await openWarehouse(config.warehouse);
  } catch (error) {
    if (!(error instanceof WarehouseLockedError)) throw error;
    return new ServiceWarehouse(localServiceUrl(config), config.serviceApiToken);
  }
}

const ServiceBuildSchema = z.object({
  summary: z.object({ ok: z.boolean(), loaded: z.number(), models: z.number(), testsFailed: z.number(), ms: z.number() }),
});
export type ServiceBuild = z.infer<typeof ServiceBuildSchema>['summary'];

/** Asks the `mars serve` holding the warehouse to build it (`POST /api/warehouse/build`). */
export async function buildThroughService(serviceUrl: string, token?: string): Promise<ServiceBuild> {
  let response: Response;
  try {
    response = await fetch(new URL('/api/warehouse/build', serviceUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authorizationHeader(token) },
      body: '{}',
    });
  } catch (error) {
    throw new Error(`the warehouse file is held by another process and no mars serve answered at ${serviceUrl}`, { cause: error });
  }
  if (!response.ok) throw new Error(`mars serve at ${serviceUrl} answered ${response.status} to a build`);
  return ServiceBuildSchema.parse(await response.json()).summary;
}
