/**
 * HTML built only through the `html` tag: every interpolated value is escaped unless it is
 * already a `SafeHtml` fragment (made by this tag or, for markup we generate ourselves, `raw`).
 * Nothing from NASA, the warehouse or a request reaches a page unescaped.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"'`]/g, (c) => entities[c]!);
}

function render(value: unknown): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(value);
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Markup the program generated itself (inline CSS, script, SVG paths of numbers). */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** A path segment or query value for a link we build. */
export function urlPart(value: string): string {
  return encodeURIComponent(value);
}
