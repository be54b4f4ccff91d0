import type { Config } from '../platform/config.ts';
import type { Warehouse } from './warehouse.ts';

type SnowflakeConfig = Extract<Config['warehouse'], { kind: 'snowflake' }>;

/** Snowflake adapter (snowflake-sdk); being built. */
export class SnowflakeWarehouse {
  static async connect(_config: SnowflakeConfig): Promise<Warehouse> {
    throw new Error('The Snowflake adapter is not available yet: set WAREHOUSE=duckdb.');
  }
}
