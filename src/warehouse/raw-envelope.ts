import { open, readFile, stat } from 'node:fs/promises';
import type { z } from 'zod';
import { RawEnvelopeSchema, sourceOfKey, type Source } from '../timelapse/raw-objects.ts';
import { errorMessage, formatIssues, MarsError } from '../platform/errors.ts';

/** What the loader checks of a raw object before it takes the records, on every engine. */

/** The envelope without its records. */
const EnvelopeHeaderSchema = RawEnvelopeSchema.omit({ records: true });
const HEADER_FIELDS = Object.keys(EnvelopeHeaderSchema.shape);

/** 2026-11-27T14:17:37.123Z -> 2026-11-27 14:17:37.123 (UTC, no zone: both engines' plain TIMESTAMP). */
export const sqlTimestamp = (iso: string): string => new Date(iso).toISOString().replace('T', ' ').replace('Z', '');

/** An object that can never load as it is: recorded in the ledger with the reason. */
export class RejectedObject extends MarsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'REJECTED_OBJECT', false, options);
  }
}

export interface Header {
  source: Source;
  rover: string;
  solStart: number | null;
  solEnd: number | null;
  variant: string | null;
  ingestedAt: string;
  requests: string[];
}

export const envelopeProblem = (issues: z.core.$ZodIssue[]): string =>
  `invalid envelope: ${formatIssues(issues)}`;

export async function parseFile(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new RejectedObject(`not JSON: ${errorMessage(error)}`);
  }
}

/** What is wrong with a file as a raw envelope (read in Node), or null when nothing is. */
export async function envelopeProblemIn(file: string): Promise<string | null> {
  let body: unknown;
  try {
    body = await parseFile(file);
  } catch (error) {
    if (error instanceof RejectedObject) return error.message;
    throw error;
  }
  const parsed = RawEnvelopeSchema.safeParse(body);
  return parsed.success ? null : envelopeProblem(parsed.error.issues);
}

/**
 * Why DuckDB could not take a file: what Node finds wrong with it as a raw envelope, else what
 * DuckDB found wrong with it as input (an object with a repeated key, which JSON.parse lets
 * pass), without the staging path. Null when the file is sound: the engine's own trouble
 * (memory, disk), not recorded, so the object is tried again later.
 */
export async function refusalAfterEngineError(file: string, error: unknown): Promise<string | null> {
  const problem = await envelopeProblemIn(file);
  if (problem !== null) return problem;
  const [first = ''] = errorMessage(error).split('\n');
  const input = /^Invalid Input Error: (.*)$/.exec(first);
  return input ? `invalid envelope: ${input[1]!.replace(/ in file "[^"]*"/, '')}` : null;
}

/** Why an object the fast path could not read is not a raw envelope (read again, in Node). */
export async function diagnose(file: string): Promise<string> {
  return (await envelopeProblemIn(file)) ?? 'invalid envelope: unreadable by the warehouse';
}

export function checkHeader(key: string, raw: unknown): Header {
  const parsed = EnvelopeHeaderSchema.safeParse(raw);
  if (!parsed.success) throw new RejectedObject(envelopeProblem(parsed.error.issues));
  const header = parsed.data;
  const keySource = sourceOfKey(key);
  if (header.source !== keySource) throw new RejectedObject(`envelope source ${header.source} does not match its key (${keySource})`);
  if (key.split('/')[2] !== header.rover) throw new RejectedObject(`envelope rover ${header.rover} does not match its key`);
  return header;
}

/** An object downloaded to a local file, before the warehouse is touched. */
export interface Fetched {
  key: string;
  etag: string;
  file: string;
  /** The file's length in bytes. */
  bytes: number;
  /** The file's modification time when staged (a linked file changes with its object). */
  modifiedMs: number;
  table: string;
}

/** A staged object written again while it was read (see `unchangedSinceStaged`): nothing is committed, and it loads next time. */
export class StagedObjectChanged extends MarsError {
  constructor(key: string) {
    super(`raw object ${key} was written again while it was loaded`, 'STAGED_OBJECT_CHANGED', true);
  }
}

/** Throws StagedObjectChanged when a staged file is not as it was staged. */
export async function unchangedSinceStaged(jobs: Fetched[]): Promise<void> {
  await Promise.all(
    jobs.map(async (job) => {
      const now = await stat(job.file);
      if (now.size !== job.bytes || now.mtimeMs !== job.modifiedMs) throw new StagedObjectChanged(job.key);
    }),
  );
}

/** Enough for a header of some hundred request URLs; a longer one is read by the engine. */
const HEADER_PREFIX_BYTES = 64 * 1024;

const SPACE = new Set([' ', '\t', '\n', '\r']);
const skipSpace = (text: string, at: number): number => {
  while (SPACE.has(text[at] ?? '')) at += 1;
  return at;
};

/** Where the JSON value starting at `at` ends, or -1 when `text` ends first. */
function valueEnd(text: string, at: number): number {
  let depth = 0;
  for (let i = at; i < text.length; i += 1) {
    const c = text[i]!;
    if (c === '"') {
      for (i += 1; i < text.length && text[i] !== '"'; i += 1) if (text[i] === '\\') i += 1;
      if (i >= text.length) return -1;
      if (depth === 0) return i + 1;
    } else if (c === '{' || c === '[') depth += 1;
    else if (c === '}' || c === ']') {
      depth -= 1;
      if (depth === 0) return i + 1;
      if (depth < 0) return i;
    } else if (depth === 0 && (c === ',' || SPACE.has(c))) return i;
  }
  return -1;
}

/**
 * The envelope's fields that come before `records` in `text` (the start of a file), each parsed
 * as JSON; null unless every header field is there, once, before `records`. Ingestion writes the
 * header first, so the records need no parse but the engine's.
 */
export function headerBeforeRecords(text: string): Record<string, unknown> | null {
  const fields: Record<string, unknown> = {};
  let at = skipSpace(text, 0);
  if (text[at] !== '{') return null;
  at += 1;
  try {
    for (;;) {
      at = skipSpace(text, at);
      const keyEnd = text[at] === '"' ? valueEnd(text, at) : -1;
      if (keyEnd < 0) return null;
      const key = JSON.parse(text.slice(at, keyEnd)) as string;
      at = skipSpace(text, keyEnd);
      if (text[at] !== ':' || Object.hasOwn(fields, key)) return null;
      if (key === 'records') return HEADER_FIELDS.every((field) => Object.hasOwn(fields, field)) ? fields : null;
      at = skipSpace(text, at + 1);
      const end = valueEnd(text, at);
      if (end < 0) return null;
      fields[key] = JSON.parse(text.slice(at, end));
      at = skipSpace(text, end);
      if (text[at] !== ',') return null;
      at += 1;
    }
  } catch {
    // Not JSON where a key or value should be: the engine's read of the whole file says why.
    return null;
  }
}

/** The header from the first bytes of a file (see `headerBeforeRecords`), or null. */
export async function headerFromPrefix(file: string): Promise<Record<string, unknown> | null> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_PREFIX_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return headerBeforeRecords(buffer.toString('utf8', 0, bytesRead));
  } finally {
    await handle.close();
  }
}
