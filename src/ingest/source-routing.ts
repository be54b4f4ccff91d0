import type { Config } from '../platform/config.ts';
import { MarsError } from '../platform/errors.ts';
import type { Rover, Source } from '../timelapse/raw-objects.ts';
import { FEED_VARIANTS } from './sources/raw-feeds.ts';

/**
 * Which NASA source serves what, decided in this one place. Photo metadata comes from the
 * mars.nasa.gov raw-image feeds (Perseverance and Curiosity; live, no key) and from the classic
 * Mars Rover Photos API schema (any rover, but only from a mirror since NASA archived the API in
 * October 2025). Where both are configured the feeds come first: they carry full-resolution URLs,
 * sample types, clocks and sequence ids. Timelapse commands, the planner's backfill, `mars ingest`
 * and the gallery's request form all ask here.
 */

/** The sources that hold photo metadata, in the order they are preferred. */
export const PHOTO_SOURCES = ['feed', 'photos'] as const;
export type PhotoSource = (typeof PHOTO_SOURCES)[number];

export type SourceVariable = 'NASA_API_BASE_URL' | 'MARS_RAW_BASE_URL' | 'MMGIS_BASE_URL';

/** The variable each source's root URL comes from. */
export const SOURCE_URL_VARIABLES: Record<Source, SourceVariable> = {
  photos: 'NASA_API_BASE_URL',
  manifests: 'NASA_API_BASE_URL',
  feed: 'MARS_RAW_BASE_URL',
  traverse: 'MMGIS_BASE_URL',
};

const SOURCE_URL_MEANING: Record<Source, string> = {
  photos: 'the root of the classic Mars Rover Photos API schema on a mirror (the folder holding rovers/ and manifests/)',
  manifests: 'the root of the classic Mars Rover Photos API schema on a mirror (the folder holding rovers/ and manifests/)',
  feed: 'the root of the mars.nasa.gov raw-image feeds, e.g. https://mars.nasa.gov (the default when unset)',
  traverse: 'the root of the MMGIS maps, e.g. https://mars.nasa.gov/mmgis-maps (the default when unset)',
};

/** The root URL configured for a source, or undefined when its variable is set empty (or, for the classic API, unset). */
export function sourceBaseUrl(config: Config, source: Source): string | undefined {
  if (source === 'feed') return config.nasa.rawBaseUrl;
  if (source === 'traverse') return config.nasa.mmgisBaseUrl;
  return config.nasa.apiBaseUrl;
}

/** Nothing to fetch from: says which variable to set and to what. */
export class SourceNotConfiguredError extends MarsError {
  constructor(
    readonly source: Source,
    readonly rover?: Rover,
  ) {
    super(
      `${SOURCE_URL_VARIABLES[source]} is not set: set it to ${SOURCE_URL_MEANING[source]}, or to the URL \`mars replay --dir <folder>\` prints, to ingest ${source}${rover ? ` for ${rover}` : ''}`,
      'SOURCE_NOT_CONFIGURED',
    );
  }
}

/** A rover's photos asked of a source that never serves that rover (there is no feed for Spirit). */
export class SourceCannotServeError extends MarsError {
  constructor(readonly source: PhotoSource, readonly rover: Rover) {
    super(
      `mars.nasa.gov has no raw-image feed for ${rover}; it has feeds for ${Object.keys(FEED_VARIANTS).join(' and ')}. ` +
        `Only the classic photos API schema serves ${rover}: ingest photos with NASA_API_BASE_URL set to a mirror of it`,
      'NO_SUCH_FEED',
    );
  }
}

/** Whether a source could serve a rover's photos at all, configured or not. */
export function sourceServes(source: PhotoSource, rover: Rover): boolean {
  return source === 'photos' || FEED_VARIANTS[rover] !== undefined;
}

export interface PhotoRoute {
  source: PhotoSource;
  baseUrl: string;
}

/** The configured sources of a rover's photo metadata, feeds first; empty when none is. */
export function photoRoutes(config: Config, rover: Rover): PhotoRoute[] {
  return PHOTO_SOURCES.flatMap((source) => {
    const baseUrl = sourceBaseUrl(config, source);
    return sourceServes(source, rover) && baseUrl ? [{ source, baseUrl }] : [];
  });
}

/**
 * The configured sources of a rover's photos, feeds first. Throws a SourceNotConfiguredError
 * naming the variable to set when none is: MARS_RAW_BASE_URL for a rover with a feed,
 * NASA_API_BASE_URL for Spirit and Opportunity.
 */
export function requirePhotoRoutes(config: Config, rover: Rover): PhotoRoute[] {
  const routes = photoRoutes(config, rover);
  if (routes.length === 0) throw new SourceNotConfiguredError(sourceServes('feed', rover) ? 'feed' : 'photos', rover);
  return routes;
}

/** The root URL of one named source for a rover (`mars ingest photos|feed`), or why there is none. */
export function requireSource(config: Config, source: Source, rover: Rover): string {
  if ((source === 'feed' || source === 'photos') && !sourceServes(source, rover)) throw new SourceCannotServeError(source, rover);
  const baseUrl = sourceBaseUrl(config, source);
  if (!baseUrl) throw new SourceNotConfiguredError(source, source === 'feed' || source === 'photos' ? rover : undefined);
  return baseUrl;
}

/** One line per rover saying where its photos come from, for forms and logs. */
export function describeRoute(config: Config, rover: Rover): string {
  const routes = photoRoutes(config, rover);
  if (routes.length === 0) return `no source: set ${SOURCE_URL_VARIABLES[sourceServes('feed', rover) ? 'feed' : 'photos']}`;
  return routes.map((route) => (route.source === 'feed' ? 'raw-image feed' : 'classic API mirror')).join(', then ');
}
