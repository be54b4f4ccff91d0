import type { Row } from './warehouse.ts';

function cell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Rows as a plain aligned text table (long cells cut at `maxWidth`), for terminals and logs. */
export function formatTable(rows: readonly Row[], maxWidth = 60): string {
  if (rows.length === 0) return '(no rows)';
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cut = (text: string) => (text.length > maxWidth ? `${text.slice(0, maxWidth - 1)}…` : text);
  const body = rows.map((row) => columns.map((c) => cut(cell(row[c])).replace(/\s+/g, ' ')));
  const widths = columns.map((c, i) => Math.max(c.length, ...body.map((line) => line[i]!.length)));
  const line = (cells: string[]) => cells.map((text, i) => text.padEnd(widths[i]!)).join(' | ').trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('-+-'), ...body.map(line)].join('\n');
}
