import type { Command } from 'commander';
import { expected, ValidationError } from '../../platform/errors.ts';
import { DEFAULT_ROW_LIMIT, MAX_ROW_LIMIT, queryCapped } from '../../warehouse/capped-query.ts';
import { formatTable } from '../../warehouse/format-table.ts';
import { openWarehouseOrService, ServiceWarehouse } from '../../warehouse/service-warehouse.ts';
import { withRuntime } from '../context.ts';

function limitOption(value: string): number {
  if (/^\d{1,8}$/.test(value) && Number(value) >= 1 && Number(value) <= MAX_ROW_LIMIT) return Number(value);
  throw new ValidationError(expected(`a row count (1-${MAX_ROW_LIMIT})`, '--limit', value));
}

export function register(program: Command): void {
  program
    .command('query')
    .description('run one SQL statement against the warehouse and print its rows')
    .argument('<sql>', 'the statement, e.g. "SELECT camera_name, COUNT(*) AS n FROM MARS_SILVER.FLAT_PHOTO_RESPONSE GROUP BY 1"')
    .option('--json', 'print exactly one JSON array of row objects (column names as the warehouse returns them)')
    .option('--limit <rows>', `print at most this many rows (the statement stops there)`, limitOption, DEFAULT_ROW_LIMIT)
    .action(async (sql: string, options: { json?: boolean; limit: number }) => {
      // While `mars serve` holds the embedded file, read-only statements go through it.
      const { rows, truncated } = await withRuntime(async ({ config }) => {
        const warehouse = await openWarehouseOrService(config);
        try {
          return warehouse instanceof ServiceWarehouse ? await warehouse.queryCapped(sql, options.limit) : await queryCapped(warehouse, sql, options.limit);
        } finally {
          await warehouse.close();
        }
      });
      if (truncated) process.stderr.write(`stopped at the row limit of ${options.limit} rows (raise it with --limit)\n`);
      if (options.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else process.stdout.write(`${formatTable(rows)}\n(${rows.length} row${rows.length === 1 ? '' : 's'}${truncated ? ', more not shown' : ''})\n`);
    });
}
