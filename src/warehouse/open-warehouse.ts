import type { Config } from '../platform/config.ts';
import { DuckDbWarehouse } from './duckdb-warehouse.ts';
import type { Warehouse } from './warehouse.ts';

/** Opens the warehouse the configuration names. */
export async function openWarehouse(config: Config['warehouse']): Promise<Warehouse> {
  switch (config.kind) {
    case 'duckdb':
      return DuckDbWarehouse.open(config.duckdbPath, { memoryLimit: config.memoryLimit });
    case 'snowflake': {
      const { SnowflakeWarehouse } = await import('./snowflake-warehouse.ts');
      return SnowflakeWarehouse.connect(config);
    }
  }
}
