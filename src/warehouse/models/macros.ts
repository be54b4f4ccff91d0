import type { Dialect } from '../warehouse.ts';

/**
 * The SQL that differs between DuckDB and Snowflake, and nothing else. Models call these as
 * `{{ name(args) }}`; every other piece of a model is SQL both engines read the same way.
 * JSON paths are written once, dot-separated with `[n]` indexes (`camera.name`,
 * `geometry.coordinates[0]`), and rendered as `$.path` for DuckDB and `col:path` for Snowflake.
 *
 * `json_fields(expr, alias, path, ...)` names a JSON value read once for several fields: DuckDB
 * parses a document again for every json_extract_string over it, so it parses the listed paths
 * into a STRUCT (`json_transform`) and the json_* macros over `alias` read its fields; Snowflake
 * keeps the VARIANT, already parsed, under the alias. Either way `json_str(alias, path)` reads
 * what `json_str(expr, path)` would.
 */
export type MacroFn = (args: string[]) => string;

/** The aliases a model's `json_fields` calls declare, each with the paths it parses. */
export type ParsedFields = ReadonlyMap<string, ReadonlySet<string>>;

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

/** A column, bare or qualified (`photos`, `latest.photos`). */
function checkedColumn(column: string): string {
  if (!/^([A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$/.test(column)) throw new Error(`Expected a column but received ${JSON.stringify(column)}`);
  return column;
}

function checkedAlias(alias: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(alias)) throw new Error(`Expected a column alias but received ${JSON.stringify(alias)}`);
  return alias;
}

/** The alias `expr` reads (`f` or `b.f`) when a json_fields call declared it. */
function parsedAlias(parsed: ParsedFields, expr: string): string | undefined {
  const alias = expr.split('.').pop()!;
  return parsed.has(alias) ? alias : undefined;
}

/** The STRUCT type json_transform parses the listed paths into, every leaf VARCHAR (the text json_extract_string gives). */
function fieldsType(paths: string[]): string {
  type Shape = { [name: string]: Shape | 'VARCHAR' };
  const root: Shape = {};
  for (const path of paths) {
    const names = path.split('.');
    let shape = root;
    names.forEach((name, i) => {
      const last = i === names.length - 1;
      const existing = shape[name];
      if (last ? existing !== undefined : existing === 'VARCHAR') throw new Error(`json_fields: path ${path} overlaps another listed path`);
      if (last) shape[name] = 'VARCHAR';
      else shape = (shape[name] ??= {}) as Shape;
    });
  }
  return JSON.stringify(root);
}

/** Paths json_fields can parse: names only (no array index), each once. */
export function parseFieldsCall(args: string[]): { expr: string; alias: string; paths: string[] } {
  const [expr, alias, ...paths] = args;
  if (!expr || !alias || paths.length === 0) throw new Error(`Expected json_fields(expr, alias, path, ...) but received ${JSON.stringify(args)}`);
  for (const path of paths) {
    if (/\[/.test(checkedPath(path))) throw new Error(`json_fields: ${path} indexes an array; read it with json_get instead`);
  }
  return { expr, alias: checkedAlias(alias), paths };
}

function duckdbMacros(parsed: ParsedFields): Record<string, MacroFn> {
  // A field's text, from the parsed STRUCT when `expr` is a json_fields alias.
  const text = (expr: string, path: string): string => {
    const alias = parsedAlias(parsed, expr);
    if (alias === undefined) return `json_extract_string(${expr}, '$.${checkedPath(path)}')`;
    if (!parsed.get(alias)!.has(path)) throw new Error(`${path} is not among the paths json_fields parses into ${alias}`);
    return `${expr}.${path.split('.').map((name) => `"${name}"`).join('.')}`;
  };
  // A JSON value, which a parsed STRUCT no longer is.
  const json = (expr: string, path: string): string => {
    if (parsedAlias(parsed, expr) !== undefined) throw new Error(`${expr} holds parsed fields, not JSON: read ${path} from the JSON value`);
    return `json_extract(${expr}, '$.${checkedPath(path)}')`;
  };
  return {
    json_type: () => 'JSON',
    timestamp_type: () => 'TIMESTAMP',
    // DuckDB stores a CTE read more than once before reading it; over a table it is cheaper to read it again.
    inline_cte: ([name]) => `${checkedAlias(name!)} AS NOT MATERIALIZED`,
    json_fields: (args) => {
      const { expr, alias, paths } = parseFieldsCall(args);
      return `json_transform(${expr}, '${fieldsType(paths)}') AS ${alias}`;
    },
    json_str: ([expr, path]) => text(expr!, path!),
    json_int: ([expr, path]) => `TRY_CAST(${text(expr!, path!)} AS BIGINT)`,
    json_num: ([expr, path]) => `TRY_CAST(${text(expr!, path!)} AS DOUBLE)`,
    json_get: ([expr, path]) => json(expr!, path!),
    json_len: ([expr, path]) => `json_array_length(${json(expr!, path!)})`,
    // The elements as a LIST of JSON values, which flatten unnests.
    json_array: ([expr, path]) => `json_extract(${expr}, '$.${checkedPath(path!)}[*]')`,
    // Over a column only: unnest over an expression becomes a join on the expression's input,
    // which copies that input (a whole manifest) into every row it yields.
    flatten: ([column, alias]) => `unnest(${checkedColumn(column!)}) AS ${checkedAlias(alias!)}(value)`,
    json_timestamp: ([expr, path]) => `TRY_CAST(${text(expr!, path!)} AS TIMESTAMP)`,
    json_date: ([expr, path]) => `TRY_CAST(${text(expr!, path!)} AS DATE)`,
    json_regex_int: ([expr, path, pattern, group]) =>
      `TRY_CAST(NULLIF(regexp_extract(${text(expr!, path!)}, '${checkedPattern(pattern!)}', ${Number(group)}), '') AS INTEGER)`,
    // regexp_extract gives '' where Snowflake's REGEXP_SUBSTR gives NULL: both give NULL here.
    regex_str: ([expr, pattern, group]) => `NULLIF(regexp_extract(${expr}, '${checkedPattern(pattern!)}', ${Number(group)}), '')`,
  };
}

const snowflake: Record<string, MacroFn> = {
  json_type: () => 'VARIANT',
  timestamp_type: () => 'TIMESTAMP_NTZ',
  inline_cte: ([name]) => `${checkedAlias(name!)} AS`,
  json_fields: (args) => {
    const { expr, alias } = parseFieldsCall(args);
    return `${expr} AS ${alias}`;
  },
  json_str: ([expr, path]) => `${expr}:${checkedPath(path!)}::VARCHAR`,
  // TO_VARCHAR never fails on a variant (an array becomes its JSON text), so TRY_TO_* yields null.
  json_int: ([expr, path]) => `TRY_TO_NUMBER(TO_VARCHAR(${expr}:${checkedPath(path!)}))`,
  json_num: ([expr, path]) => `TRY_TO_DOUBLE(TO_VARCHAR(${expr}:${checkedPath(path!)}))`,
  json_get: ([expr, path]) => `${expr}:${checkedPath(path!)}`,
  json_len: ([expr, path]) => `ARRAY_SIZE(${expr}:${checkedPath(path!)})`,
  json_array: ([expr, path]) => `${expr}:${checkedPath(path!)}`,
  flatten: ([column, alias]) => `LATERAL FLATTEN(input => ${checkedColumn(column!)}) AS ${checkedAlias(alias!)}`,
  json_timestamp: ([expr, path]) => `TRY_TO_TIMESTAMP_NTZ(${expr}:${checkedPath(path!)}::VARCHAR)`,
  json_date: ([expr, path]) => `TRY_TO_DATE(${expr}:${checkedPath(path!)}::VARCHAR)`,
  json_regex_int: ([expr, path, pattern, group]) =>
    `TRY_CAST(REGEXP_SUBSTR(${expr}:${checkedPath(path!)}::VARCHAR, '${checkedPattern(pattern!)}', 1, 1, 'e', ${Number(group)}) AS INTEGER)`,
  // NULL without a match already; NULLIF keeps it so wherever the call is transpiled to regexp_extract.
  regex_str: ([expr, pattern, group]) => `NULLIF(REGEXP_SUBSTR(${expr}, '${checkedPattern(pattern!)}', 1, 1, 'e', ${Number(group)}), '')`,
};

/** Exact argument counts; json_fields takes an expression, an alias and at least one path. */
const ARITY: Record<string, number> = {
  json_type: 0,
  timestamp_type: 0,
  inline_cte: 1,
  json_str: 2,
  json_int: 2,
  json_num: 2,
  json_get: 2,
  json_len: 2,
  json_array: 2,
  flatten: 2,
  json_timestamp: 2,
  json_date: 2,
  json_regex_int: 4,
  regex_str: 3,
};

/** The dialect macros, each checking its argument count; `parsed` from the model's json_fields calls. */
export function dialectMacros(dialect: Dialect, parsed: ParsedFields = new Map()): Record<string, MacroFn> {
  const table = dialect === 'duckdb' ? duckdbMacros(parsed) : snowflake;
  return Object.fromEntries(
    Object.entries(table).map(([name, fn]) => [
      name,
      (args: string[]) => {
        if (name in ARITY) arity(name, args, ARITY[name]!);
        return fn(args);
      },
    ]),
  );
}
