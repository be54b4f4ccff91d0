import type { Command } from 'commander';
import { formatTable } from '../../warehouse/format-table.ts';
import { openWarehouseOrService } from '../../warehouse/service-warehouse.ts';
import { withRuntime } from '../context.ts';

export function register(program: Command): void {
  program
    .command('query')
    .description('run one SQL statement against the warehouse and print its rows')
    .argument('<sql>', 'the statement, e.g. "SELECT camera_name, COUNT(*) AS n FROM MARS_SILVER.FLAT_PHOTO_RESPONSE GROUP BY 1"')
    .option('--json', 'print exactly one JSON array of row objects (column names as the warehouse returns them)')
    .action(async (sql: string, options: { json?: boolean }) => {
      // While `mars serve` holds the embedded file, read-only statements go through it.
      const rows = await withRuntime(async ({ config }) => {
        const warehouse = await openWarehouseOrService(config);
        try {
          return await warehouse.query(sql);
        } finally {
          await warehouse.close();
        }
      });
      if (options.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else process.stdout.write(`${formatTable(rows)}\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`);
    });
}
