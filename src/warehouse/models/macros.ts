import type { Dialect } from '../warehouse.ts';

/**
 * The SQL that differs between DuckDB and Snowflake, and nothing else. Models call these as
 * `{{ name(args) }}`; every other piece of a model is SQL both engines read the same way.
 * JSON paths are written once, dot-separated with `[n]` indexes (`camera.name`,
 * `geometry.coordinates[0]`), and rendered as `$.path` for DuckDB and `col:path` for Snowflake.
 */
export type MacroFn = (args: string[]) => string;

function arity(name: string, args: string[], count: number): void {
  if (args.length !== count) {
    throw new Error(`Expected ${count} argument(s) for macro ${name} but received ${args.length}: ${JSON.stringify(args)}`);
  }
}

function checkedPath(path: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*)*$/.test(path)) {
    throw new Error(`Expected a JSON path like a.b[0].c but received ${JSON.stringify(path)}`);
  }
  return path;
}

/** Only digits, letters and a few regex characters: the same literal reads the same on both engines. */
function checkedPattern(pattern: string): string {
  if (/['\\]/.test(pattern)) throw new Error(`Expected a regex without quotes or backslashes but received ${JSON.stringify(pattern)}`);
  return pattern;
}

const duckdb: Record<string, MacroFn> = {
  json_type: () => 'JSON',
  timestamp_type: () => 'TIMESTAMP',
  json_str: ([expr, path]) => `json_extract_string(${expr}, '$.${checkedPath(path!)}')`,
  json_int: ([expr, path]) => `TRY_CAST(json_extract_string(${expr}, '$.${checkedPath(path!)}') AS BIGINT)`,
  json_num: ([expr, path]) => `TRY_CAST(json_extract_string(${expr}, '$.${checkedPath(path!)}') AS DOUBLE)`,
  json_get: ([expr, path]) => `json_extract(${expr}, '$.${checkedPath(path!)}')`,
  json_len: ([expr, path]) => `json_array_length(json_extract(${expr}, '$.${checkedPath(path!)}'))`,
  flatten: ([expr, path, alias]) => `unnest(json_extract(${expr}, '$.${checkedPath(path!)}[*]')) AS ${alias}(value)`,
  json_timestamp: ([expr, path]) => `TRY_CAST(json_extract_string(${expr}, '$.${checkedPath(path!)}') AS TIMESTAMP)`,
  json_date: ([expr, path]) => `TRY_CAST(json_extract_string(${expr}, '$.${checkedPath(path!)}') AS DATE)`,
  json_regex_int: ([expr, path, pattern, group]) =>
    `TRY_CAST(NULLIF(regexp_extract(json_extract_string(${expr}, '$.${checkedPath(path!)}'), '${checkedPattern(pattern!)}', ${Number(group)}), '') AS INTEGER)`,
  // regexp_extract gives '' where Snowflake's REGEXP_SUBSTR gives NULL: both give NULL here.
  regex_str: ([expr, pattern, group]) => `NULLIF(regexp_extract(${expr}, '${checkedPattern(pattern!)}', ${Number(group)}), '')`,
};

const snowflake: Record<string, MacroFn> = {
  json_type: () => 'VARIANT',
  timestamp_type: () => 'TIMESTAMP_NTZ',
  json_str: ([expr, path]) => `${expr}:${checkedPath(path!)}::VARCHAR`,
  // TO_VARCHAR never fails on a variant (an array becomes its JSON text), so TRY_TO_* yields null.
  json_int: ([expr, path]) => `TRY_TO_NUMBER(TO_VARCHAR(${expr}:${checkedPath(path!)}))`,
  json_num: ([expr, path]) => `TRY_TO_DOUBLE(TO_VARCHAR(${expr}:${checkedPath(path!)}))`,
  json_get: ([expr, path]) => `${expr}:${checkedPath(path!)}`,
  json_len: ([expr, path]) => `ARRAY_SIZE(${expr}:${checkedPath(path!)})`,
  flatten: ([expr, path, alias]) => `LATERAL FLATTEN(input => ${expr}:${checkedPath(path!)}) AS ${alias}`,
  json_timestamp: ([expr, path]) => `TRY_TO_TIMESTAMP_NTZ(${expr}:${checkedPath(path!)}::VARCHAR)`,
  json_date: ([expr, path]) => `TRY_TO_DATE(${expr}:${checkedPath(path!)}::VARCHAR)`,
  json_regex_int: ([expr, path, pattern, group]) =>
    `TRY_CAST(REGEXP_SUBSTR(${expr}:${checkedPath(path!)}::VARCHAR, '${checkedPattern(pattern!)}', 1, 1, 'e', ${Number(group)}) AS INTEGER)`,
  // NULL without a match already; NULLIF keeps it so wherever the call is transpiled to regexp_extract.
  regex_str: ([expr, pattern, group]) => `NULLIF(REGEXP_SUBSTR(${expr}, '${checkedPattern(pattern!)}', 1, 1, 'e', ${Number(group)}), '')`,
};

const ARITY: Record<string, number> = {
  json_type: 0,
  timestamp_type: 0,
  json_str: 2,
  json_int: 2,
  json_num: 2,
  json_get: 2,
  json_len: 2,
  flatten: 3,
  json_timestamp: 2,
  json_date: 2,
  json_regex_int: 4,
  regex_str: 3,
};

/** The dialect macros, each checking its argument count. */
export function dialectMacros(dialect: Dialect): Record<string, MacroFn> {
  const table = dialect === 'duckdb' ? duckdb : snowflake;
  return Object.fromEntries(
    Object.entries(table).map(([name, fn]) => [
      name,
      (args: string[]) => {
        arity(name, args, ARITY[name]!);
        return fn(args);
      },
    ]),
  );
}
