/**
 * The model template language: SQL with `{{ name }}` or `{{ name(arg, 'text', key='value') }}`
 * calls. Arguments are quoted strings, or raw SQL text (a column like `b.record`) up to the next
 * top-level comma. Deliberately tiny: models hold SQL, macros hold the differences.
 */
export interface MacroCall {
  name: string;
  args: string[];
  kwargs: Record<string, string>;
}

export type MacroHandler = (call: MacroCall) => string;

const CALL = /\{\{\s*([\s\S]*?)\s*\}\}/g;

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let current = '';
  for (const ch of text) {
    if (quote) {
      current += ch;
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth += 1;
    else if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (quote || depth !== 0) throw new Error(`Unbalanced quotes or parentheses in macro arguments: ${text}`);
  if (current.trim() !== '') parts.push(current.trim());
  return parts;
}

function unquote(value: string): string {
  const match = /^(['"])([\s\S]*)\1$/.exec(value);
  return match ? match[2]! : value;
}

export function parseCall(expression: string): MacroCall {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(([\s\S]*)\))?$/.exec(expression.trim());
  if (!match) throw new Error(`Expected a macro call like name(args) but received {{ ${expression} }}`);
  const args: string[] = [];
  const kwargs: Record<string, string> = {};
  for (const part of splitTopLevel(match[2] ?? '')) {
    const kw = /^([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)\s*([\s\S]+)$/.exec(part);
    if (kw) kwargs[kw[1]!] = unquote(kw[2]!.trim());
    else args.push(unquote(part));
  }
  return { name: match[1]!, args, kwargs };
}

/** Every call in a template, in order (used to find refs and config before rendering). */
export function listCalls(template: string): MacroCall[] {
  return [...template.matchAll(CALL)].map((m) => parseCall(m[1]!));
}

export function renderTemplate(template: string, handler: MacroHandler): string {
  return template.replace(CALL, (_whole, expression: string) => handler(parseCall(expression)));
}
