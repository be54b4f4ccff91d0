import type { Dialect } from '../warehouse.ts';
import { dialectMacros, parseFieldsCall, type ParsedFields } from './macros.ts';
import type { Model, Project } from './project.ts';
import { listCalls, renderTemplate, type MacroCall } from './template.ts';

export interface RenderOptions {
  /** True when an incremental model's table exists: `incremental_since` then filters new rows. */
  incremental: boolean;
}

function only(call: MacroCall, count: number): string[] {
  if (call.args.length !== count) {
    throw new Error(`Expected ${count} argument(s) for macro ${call.name} but received ${call.args.length}`);
  }
  return call.args;
}

/** The model's json_fields aliases, found before rendering: a field may be read above the line that parses it. */
function parsedFields(model: Model): ParsedFields {
  const parsed = new Map<string, Set<string>>();
  for (const call of listCalls(model.template).filter((c) => c.name === 'json_fields')) {
    const { alias, paths } = parseFieldsCall(call.args);
    if (parsed.has(alias)) throw new Error(`${model.name}: json_fields declares ${alias} twice`);
    parsed.set(alias, new Set(paths));
  }
  return parsed;
}

/** Renders one model's SELECT (or DDL) for a dialect. */
export function renderModel(model: Model, project: Project, dialect: Dialect, options: RenderOptions = { incremental: false }): string {
  const macros = dialectMacros(dialect, parsedFields(model));
  const sql = renderTemplate(model.template, (call) => {
    switch (call.name) {
      case 'config':
        return '';
      case 'this':
        return model.relation;
      case 'ref':
      case 'source': {
        const [name] = only(call, 1);
        const target = project.models.get(name!);
        if (!target) throw new Error(`${model.name}: ${call.name}('${name}') names no model`);
        if (call.name === 'source' && target.layer !== 'bronze') throw new Error(`${model.name}: source('${name}') must name a Bronze table`);
        if (call.name === 'ref' && target.layer === 'bronze') throw new Error(`${model.name}: read Bronze tables with source('${name}')`);
        return target.relation;
      }
      case 'incremental_since': {
        // Rows loaded after the newest one already in this table; everything on a first build.
        const [column] = only(call, 1);
        if (model.materialized !== 'incremental') throw new Error(`${model.name}: incremental_since needs materialized='incremental'`);
        if (!options.incremental) return 'TRUE';
        const bare = column!.split('.').pop()!;
        return `${column} > (SELECT COALESCE(MAX(${bare}), 0) FROM ${model.relation})`;
      }
      default: {
        const macro = macros[call.name];
        if (!macro) throw new Error(`${model.name}: unknown macro ${call.name}`);
        return macro(call.args);
      }
    }
  });
  // Config lines leave blank lines behind; keep the output tidy for golden files and logs.
  return sql.replace(/^\s*\n/, '').trimEnd() + '\n';
}
