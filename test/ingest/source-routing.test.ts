import { describe, expect, it } from 'vitest';
import {
  describeRoute,
  photoRoutes,
  requirePhotoRoutes,
  requireSource,
  SourceCannotServeError,
  SourceNotConfiguredError,
} from '../../src/ingest/source-routing.ts';
import { loadConfig } from '../../src/platform/config.ts';

const FEED = 'http://127.0.0.1:7';
const MIRROR = 'http://127.0.0.1:8';

describe('source routing', () => {
  it("serves Perseverance and Curiosity from NASA's public feeds when nothing is set", () => {
    const config = loadConfig({});
    expect(photoRoutes(config, 'curiosity')).toEqual([{ source: 'feed', baseUrl: 'https://mars.nasa.gov' }]);
    expect(photoRoutes(config, 'perseverance')).toEqual([{ source: 'feed', baseUrl: 'https://mars.nasa.gov' }]);
    expect(photoRoutes(config, 'spirit')).toEqual([]);
  });

  it('puts the feeds first where a classic mirror is set too, and gives Spirit and Opportunity the mirror only', () => {
    const config = loadConfig({ MARS_RAW_BASE_URL: FEED, NASA_API_BASE_URL: MIRROR });
    expect(photoRoutes(config, 'curiosity')).toEqual([
      { source: 'feed', baseUrl: FEED },
      { source: 'photos', baseUrl: MIRROR },
    ]);
    expect(photoRoutes(config, 'opportunity')).toEqual([{ source: 'photos', baseUrl: MIRROR }]);
    expect(describeRoute(config, 'curiosity')).toBe('raw-image feed, then classic API mirror');
    expect(describeRoute(config, 'spirit')).toBe('classic API mirror');
  });

  it('fails at once naming the variable when no configured source serves a rover', () => {
    expect(() => requirePhotoRoutes(loadConfig({}), 'spirit')).toThrow(SourceNotConfiguredError);
    expect(() => requirePhotoRoutes(loadConfig({}), 'spirit')).toThrow(/^NASA_API_BASE_URL is not set: .* to ingest photos for spirit$/);
    expect(() => requirePhotoRoutes(loadConfig({ MARS_RAW_BASE_URL: '' }), 'curiosity')).toThrow(/^MARS_RAW_BASE_URL is not set: .* to ingest feed for curiosity$/);
    expect(requirePhotoRoutes(loadConfig({ MARS_RAW_BASE_URL: '', NASA_API_BASE_URL: MIRROR }), 'curiosity')).toEqual([{ source: 'photos', baseUrl: MIRROR }]);
  });

  it('checks a named source for `mars ingest`: no feed for Spirit, and the variable when a source is off', () => {
    const config = loadConfig({ NASA_API_BASE_URL: MIRROR });
    expect(requireSource(config, 'feed', 'curiosity')).toBe('https://mars.nasa.gov');
    expect(requireSource(config, 'photos', 'spirit')).toBe(MIRROR);
    expect(() => requireSource(config, 'feed', 'spirit')).toThrow(SourceCannotServeError);
    expect(() => requireSource(config, 'feed', 'spirit')).toThrow(
      'mars.nasa.gov has no raw-image feed for spirit; it has feeds for perseverance and curiosity. Only the classic photos API schema serves spirit',
    );
    expect(() => requireSource(loadConfig({}), 'photos', 'curiosity')).toThrow(/^NASA_API_BASE_URL is not set/);
    expect(() => requireSource(loadConfig({ MMGIS_BASE_URL: '' }), 'traverse', 'curiosity')).toThrow(/^MMGIS_BASE_URL is not set/);
  });
});
