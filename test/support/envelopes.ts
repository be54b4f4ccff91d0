import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { rawObjectKey, type RawEnvelope, type Rover, type Source } from '../../src/timelapse/raw-objects.ts';
import type { ObjectStore } from '../../src/platform/object-store/object-store.ts';
import { nasaFixtures } from './temp.ts';

/** Raw envelopes built from the real NASA fixtures, as the ingestion side writes them. */

export async function fixtureJson(relative: string): Promise<unknown> {
  return JSON.parse(await readFile(path.join(nasaFixtures, relative), 'utf8'));
}

export async function fixturePhotos(file: string): Promise<Array<Record<string, unknown>>> {
  return ((await fixtureJson(`photos/${file}`)) as { photos: Array<Record<string, unknown>> }).photos;
}

export function envelope(
  source: Source,
  rover: Rover,
  records: unknown[],
  options: { solStart?: number | null; solEnd?: number | null; variant?: string | null; ingestedAt?: string } = {},
): RawEnvelope {
  return {
    source,
    rover,
    solStart: options.solStart ?? null,
    solEnd: options.solEnd ?? options.solStart ?? null,
    variant: options.variant ?? null,
    ingestedAt: options.ingestedAt ?? new Date().toISOString(),
    requests: [`http://127.0.0.1/fixture/${source}/${rover}`],
    records,
  };
}

/** Writes an envelope under its contract key and returns the key and ETag. */
export async function putEnvelope(store: ObjectStore, value: RawEnvelope): Promise<{ key: string; etag: string }> {
  const key = rawObjectKey(value);
  const { etag } = await store.putJson(key, value);
  return { key, etag };
}

export const PHOTO_FIXTURES: Array<{ file: string; rover: Rover; sol: number }> = [
  { file: 'curiosity_sol0.json', rover: 'curiosity', sol: 0 },
  { file: 'perseverance_sol0.json', rover: 'perseverance', sol: 0 },
  { file: 'perseverance_sol394.json', rover: 'perseverance', sol: 394 },
  { file: 'opportunity_sol1.json', rover: 'opportunity', sol: 1 },
  { file: 'spirit_sol1.json', rover: 'spirit', sol: 1 },
];

/** Counts per camera name of a photos fixture, the numbers the warehouse must reproduce. */
export function cameraCounts(photos: Array<Record<string, unknown>>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const photo of photos) {
    const name = (photo.camera as { name: string }).name;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/**
 * Perseverance raw_images feed items and Curiosity raw_image_items, DERIVED from the real
 * per-image metadata in test/fixtures/nasa/raw-image-metadata/ (values kept, re-shaped into the
 * feeds' item shapes).
 */
export async function derivedFeedItems(): Promise<{ mars2020: unknown[]; msl: unknown[] }> {
  const files = [
    'raw-image-metadata/mru_NLF_0670_0726421423_362ECM_N0320604NCAM08111_01_095J01-metadata.json',
    'raw-image-metadata/mru_NRF_0731_0731848568_991ECM_N0361610NCAM12731_04_195J01-metadata.json',
  ];
  const metas = (await Promise.all(files.map(fixtureJson))) as Array<Record<string, unknown>>;
  const mars2020 = metas.flatMap((m) => {
    const full = {
      imageid: m.imageid,
      sol: m.sol,
      camera: { instrument: m.instrument, filter_name: m.filter_name },
      sample_type: m.sample_type,
      date_taken_utc: m.date_taken_utc,
      image_files: { full_res: m.link, large: String(m.link).replace('.png', '_1200.jpg') },
      extended: { sclk: m.sclk, dimension: m.dimension, subframeRect: `(${(m.subframe_rect as number[]).join(',')})` },
    };
    const thumb = {
      ...full,
      imageid: `${String(m.imageid)}_T`,
      sample_type: 'Thumbnail',
      extended: { ...full.extended, dimension: '(160,120)' },
    };
    return [full, thumb];
  });
  const msl = metas.map((m, i) => ({
    id: 1_200_000 + i,
    sol: m.sol,
    instrument: 'NAV_LEFT_B',
    sample_type: 'full',
    url: m.link,
    date_taken: `${String(m.date_taken_utc)}Z`,
    extended: { sclk: String(m.sclk), dimension: '(1024,1024)' },
  }));
  return { mars2020, msl };
}
