import { z } from 'zod';
import { MarsError } from '../../platform/errors.ts';
import type { HttpClient, RequestTally } from '../http-client.ts';
import type { Rover } from '../../timelapse/raw-objects.ts';
import { checkRecords, joinUrl, type SourceBatch } from './source-batch.ts';

/** MMGIS missions that publish traverse layers, by rover. */
export const MMGIS_MISSIONS: Partial<Record<Rover, string>> = { perseverance: 'M20', curiosity: 'MSL' };

export const TRAVERSE_LAYERS = ['traverse', 'waypoints'] as const;
export type TraverseLayer = (typeof TRAVERSE_LAYERS)[number];

export const FeatureCollectionSchema = z.looseObject({
  type: z.literal('FeatureCollection'),
  features: z.array(z.unknown()),
});

const optionalNumber = z.number().optional();

/**
 * One GeoJSON feature. Layers differ in what their properties hold (Perseverance's traverse has
 * sol, RMC and SCLK; Curiosity's only `Length`), so every property is optional, but a property
 * that is there must have the right type.
 */
export const TraverseFeatureSchema = z.looseObject({
  type: z.literal('Feature'),
  properties: z
    .looseObject({
      sol: z.number().int().nonnegative().optional(),
      length: optionalNumber,
      Length: optionalNumber,
      fromRMC: z.string().optional(),
      toRMC: z.string().optional(),
      RMC: z.string().optional(),
      SCLK_START: optionalNumber,
      SCLK_END: optionalNumber,
      dist_total_m: optionalNumber,
    })
    .nullable()
    .optional(),
  geometry: z.looseObject({
    type: z.enum(['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon']),
    coordinates: z.array(z.unknown()).min(1),
  }),
});

export function mmgisMission(rover: Rover): string {
  const mission = MMGIS_MISSIONS[rover];
  if (!mission) {
    throw new MarsError(
      `MMGIS has no traverse layers for ${rover}; it has them for ${Object.keys(MMGIS_MISSIONS).join(' and ')}`,
      'NO_SUCH_LAYER',
    );
  }
  return mission;
}

export function traverseUrl(baseUrl: string, rover: Rover, layer: TraverseLayer): string {
  const mission = mmgisMission(rover);
  return joinUrl(baseUrl, `${mission}/Layers/json/${mission}_${layer}.json`);
}

/** One layer's features, each checked; records are the features as received. */
export async function fetchTraverseLayer(
  http: HttpClient,
  baseUrl: string,
  rover: Rover,
  layer: TraverseLayer,
  options: { tally?: RequestTally } = {},
): Promise<SourceBatch> {
  const url = traverseUrl(baseUrl, rover, layer);
  const collection = await http.getJson(url, FeatureCollectionSchema, { tally: options.tally });
  const { good, bad } = checkRecords(collection.features, url, TraverseFeatureSchema);
  return { records: good, requests: [url], quarantine: bad };
}
