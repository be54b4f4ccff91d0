import type { z } from 'zod';
import { formatIssues } from '../../platform/errors.ts';
import { ISSUES_SHOWN } from '../http-client.ts';

/** A record that failed validation, kept with where it came from and why. */
export interface QuarantineItem {
  url: string;
  reason: string;
  record: unknown;
}

/** What an adapter fetched for one unit of work (a batch of sols, a layer, a manifest). */
export interface SourceBatch {
  /** Good records, exactly as received. */
  records: unknown[];
  /** The URLs fetched (API key hidden). */
  requests: string[];
  quarantine: QuarantineItem[];
}

export function emptyBatch(): SourceBatch {
  return { records: [], requests: [], quarantine: [] };
}

export function mergeBatches(batches: readonly SourceBatch[]): SourceBatch {
  const merged = emptyBatch();
  for (const batch of batches) {
    merged.records.push(...batch.records);
    merged.requests.push(...batch.requests);
    merged.quarantine.push(...batch.quarantine);
  }
  return merged;
}

/**
 * Checks each record of one response with `schema` and, when given, `belongs` (a record of the
 * wrong sol or rover). Good records go on exactly as received (not the parsed copy, so Bronze
 * keeps what the source said); bad ones are quarantined with the URL and the reason.
 */
export function checkRecords<T>(
  records: readonly unknown[],
  url: string,
  schema: z.ZodType<T>,
  belongs?: (record: T) => string | undefined,
): { good: unknown[]; bad: QuarantineItem[] } {
  const good: unknown[] = [];
  const bad: QuarantineItem[] = [];
  records.forEach((record, index) => {
    const parsed = schema.safeParse(record);
    if (!parsed.success) {
      bad.push({ url, reason: `record ${index}: ${formatIssues(parsed.error.issues, ISSUES_SHOWN)}`, record });
      return;
    }
    const misfit = belongs?.(parsed.data);
    if (misfit) bad.push({ url, reason: `record ${index}: ${misfit}`, record });
    else good.push(record);
  });
  return { good, bad };
}

/** Joins a configured root and a path, whatever slashes either brings. */
export function joinUrl(root: string, path: string): string {
  return `${root.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
