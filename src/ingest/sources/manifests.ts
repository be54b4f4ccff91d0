import { z } from 'zod';
import type { HttpClient, RequestTally } from '../http-client.ts';
import { redactUrl } from '../http-client.ts';
import type { Rover } from '../../timelapse/raw-objects.ts';
import type { ClassicApiTarget } from './classic-photos.ts';
import { checkRecords, joinUrl, type SourceBatch } from './source-batch.ts';

/** `<root>/manifests/<rover>?api_key=K` answers `{"photo_manifest": {...}}`. */
export const ManifestResponseSchema = z.looseObject({ photo_manifest: z.unknown() });

/** The mission manifest: one entry per sol that has photos (sols without photos are absent). */
export const ManifestSchema = z.looseObject({
  name: z.string().min(1),
  landing_date: z.iso.date(),
  launch_date: z.iso.date(),
  status: z.string().min(1),
  max_sol: z.number().int().nonnegative(),
  max_date: z.iso.date(),
  total_photos: z.number().int().nonnegative(),
  photos: z.array(
    z.looseObject({
      sol: z.number().int().nonnegative(),
      earth_date: z.iso.date().optional(),
      total_photos: z.number().int().nonnegative(),
      cameras: z.array(z.string()),
    }),
  ),
});

export function manifestUrl(target: ClassicApiTarget, rover: Rover): string {
  return joinUrl(target.baseUrl, `manifests/${rover}?${new URLSearchParams({ api_key: target.apiKey })}`);
}

/** The manifest as one record (the `photo_manifest` object), or quarantined when it is not one. */
export async function fetchManifest(
  http: HttpClient,
  target: ClassicApiTarget,
  rover: Rover,
  options: { tally?: RequestTally } = {},
): Promise<SourceBatch> {
  const url = manifestUrl(target, rover);
  const response = await http.getJson(url, ManifestResponseSchema, { tally: options.tally });
  const shown = redactUrl(url);
  const { good, bad } = checkRecords([response.photo_manifest], shown, ManifestSchema, (manifest) =>
    manifest.name.toLowerCase() === rover ? undefined : `manifest of ${manifest.name} is not the requested ${rover}`,
  );
  return { records: good, requests: [shown], quarantine: bad };
}
