/** One satisfiable byte range of a representation of `size` bytes (inclusive end). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses an HTTP Range header (RFC 9110 §14) for a single range. Returns null when the header
 * is absent or not one we serve partially (several ranges, other units): the whole body is sent
 * then, which the RFC allows. Returns 'unsatisfiable' for a range that misses the body.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, first, last] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return null;
  return { start, end };
}
