import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { RawEnvelopeSchema, sourceOfKey, type Source } from '../timelapse/raw-objects.ts';
import { errorMessage, formatIssues, MarsError } from '../platform/errors.ts';

/** What the loader checks of a raw object before it takes the records, on every engine. */

/** The envelope without its records. */
const EnvelopeHeaderSchema = RawEnvelopeSchema.omit({ records: true });

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
  table: string;
}
