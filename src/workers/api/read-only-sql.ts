/** Statements that only read, by their first word. */
const READ_ONLY_START = /^[\s(]*(select|with|from|describe|show|summarize|explain|values|table)\b/i;

/**
 * Words that, after an allowed start, still change the warehouse: a data-modifying CTE
 * (`WITH x AS (...) INSERT ...`) or `EXPLAIN ANALYZE`, which runs the statement it explains.
 */
const WRITE_WORDS =
  /\b(insert|update|delete|merge|drop|create|alter|truncate|copy|attach|detach|analyze|pragma|call|install|load|export|import|checkpoint|vacuum|grant|revoke)\b/i;

/**
 * The text of a statement with string literals, quoted identifiers and comments blanked out,
 * so the checks below see only the SQL's own words and semicolons; null when a quote or comment
 * is left open. Engines differ on whether a backslash escapes a quote (Snowflake and DuckDB's
 * `E'...'` do, DuckDB's plain strings do not), so callers read the text both ways.
 */
export function sqlWords(sql: string, backslashEscapes: boolean): string | null {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    let end: number;
    if (c === "'" || c === '"') {
      end = i + 1;
      for (;;) {
        if (end >= sql.length) return null;
        if (backslashEscapes && sql[end] === '\\') end += 2;
        else if (sql[end] === c && sql[end + 1] === c) end += 2;
        else if (sql[end] === c) break;
        else end++;
      }
      end += 1;
    } else if (c === '$' && !/[\w$]/.test(sql[i - 1] ?? '') && /^\$(?:[A-Za-z_]\w*)?\$/.test(sql.slice(i))) {
      const tag = /^\$(?:[A-Za-z_]\w*)?\$/.exec(sql.slice(i))![0];
      const close = sql.indexOf(tag, i + tag.length);
      if (close < 0) return null;
      end = close + tag.length;
    } else if (c === '-' && next === '-') {
      const newline = sql.indexOf('\n', i);
      end = newline < 0 ? sql.length : newline + 1;
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) return null;
      end = close + 2;
    } else {
      out += c;
      i++;
      continue;
    }
    out += ' ';
    i = end;
  }
  return out;
}

/**
 * Why a statement may not run through the query API, or null when it only reads: exactly one
 * statement (an optional trailing semicolon), starting with a reading keyword, with no word that
 * writes. Deliberately strict: a query the check refuses can still run with `mars query` when no
 * service holds the warehouse.
 */
export function readOnlyRefusal(sql: string): string | null {
  for (const backslashEscapes of [false, true]) {
    const refusal = refusalOf(sqlWords(sql, backslashEscapes));
    if (refusal) return refusal;
  }
  return null;
}

function refusalOf(text: string | null): string | null {
  if (text === null) return 'a quote or comment is left open';
  const words = text.trim().replace(/;\s*$/, '');
  if (words.includes(';')) return 'send one statement at a time';
  if (!READ_ONLY_START.test(words)) {
    return 'only read-only statements (SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN) go through the service';
  }
  const write = WRITE_WORDS.exec(words);
  if (write) return `only read-only statements go through the service, and this one has ${write[1]!.toUpperCase()}`;
  return null;
}
