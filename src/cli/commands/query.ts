import type { Command } from 'commander';
import { formatTable } from '../../warehouse/format-table.ts';
import { withRuntime } from '../context.ts';

export function register(program: Command): void {
  program
    .command('query')
    .description('run one SQL statement against the warehouse and print its rows')
    .argument('<sql>', 'the statement, e.g. "SELECT camera_name, COUNT(*) AS n FROM MARS_SILVER.FLAT_PHOTO_RESPONSE GROUP BY 1"')
    .option('--json', 'print exactly one JSON array of row objects (column names as the warehouse returns them)')
    .action(async (sql: string, options: { json?: boolean }) => {
      const rows = await withRuntime(async ({ runtime }) => (await runtime.warehouse()).query(sql));
      if (options.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else process.stdout.write(`${formatTable(rows)}\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`);
    });
}
