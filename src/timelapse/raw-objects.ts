import { z } from 'zod';

/**
 * The contract between ingestion and the warehouse loader: how raw objects are named in the
 * object store and what they hold. Every raw object is one JSON envelope whose `records` are
 * the source's records exactly as received (one Bronze row each).
 */

export const SOURCES = ['photos', 'manifests', 'traverse', 'feed'] as const;
export type Source = (typeof SOURCES)[number];

export const ROVERS = ['curiosity', 'perseverance', 'opportunity', 'spirit'] as const;
export const RoverSchema = z.enum(ROVERS, { message: `expected one of ${ROVERS.join(', ')}` });
export type Rover = z.infer<typeof RoverSchema>;

export const RawEnvelopeSchema = z.object({
  source: z.enum(SOURCES),
  rover: RoverSchema,
  solStart: z.number().int().nonnegative().nullable(),
  solEnd: z.number().int().nonnegative().nullable(),
  /** For traverse: `traverse` or `waypoints`; for feeds: `mars2020` or `msl`; else null. */
  variant: z.string().nullable(),
  ingestedAt: z.iso.datetime(),
  /** The URLs fetched to produce these records. */
  requests: z.array(z.string()),
  records: z.array(z.unknown()),
});
export type RawEnvelope = z.infer<typeof RawEnvelopeSchema>;

export const QuarantineEnvelopeSchema = z.object({
  source: z.enum(SOURCES),
  rover: RoverSchema,
  ingestedAt: z.iso.datetime(),
  items: z.array(z.object({ url: z.string(), reason: z.string(), record: z.unknown() })),
});
export type QuarantineEnvelope = z.infer<typeof QuarantineEnvelopeSchema>;

/** 2026-11-27T14:17:37.123Z -> 20261127T141737123Z: sortable and safe in a key. */
export function compactTimestamp(iso: string): string {
  return iso.replace(/[-:.]/g, '');
}

const folder: Record<Source, string> = { photos: 'photos', manifests: 'manifests', traverse: 'traverse', feed: 'feeds' };

/** raw/photos/<rover>/sol-<A>-<B>/<ts>.json, raw/manifests/<rover>/<ts>.json, raw/traverse/<rover>/<layer>/<ts>.json, raw/feeds/<rover>/sol-<A>-<B>/<ts>.json */
export function rawObjectKey(envelope: Pick<RawEnvelope, 'source' | 'rover' | 'solStart' | 'solEnd' | 'variant' | 'ingestedAt'>): string {
  const parts = ['raw', folder[envelope.source], envelope.rover];
  if (envelope.source === 'traverse') parts.push(envelope.variant ?? 'traverse');
  if (envelope.solStart !== null) parts.push(`sol-${envelope.solStart}-${envelope.solEnd ?? envelope.solStart}`);
  parts.push(`${compactTimestamp(envelope.ingestedAt)}.json`);
  return parts.join('/');
}

export function quarantineObjectKey(envelope: Pick<QuarantineEnvelope, 'source' | 'rover' | 'ingestedAt'>): string {
  return `raw/quarantine/${folder[envelope.source]}/${envelope.rover}/${compactTimestamp(envelope.ingestedAt)}.json`;
}

/** Which raw source a key belongs to, or null for keys the loader does not take (quarantine, others). */
export function sourceOfKey(key: string): Source | null {
  const match = /^raw\/(photos|manifests|traverse|feeds)\//.exec(key);
  if (!match) return null;
  return match[1] === 'feeds' ? 'feed' : (match[1] as Source);
}
