import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_DOWNLOAD_HOSTS, loadConfig } from '../../src/platform/config.ts';

describe('loadConfig', () => {
  it('gives embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.warehouse).toEqual({ kind: 'duckdb', duckdbPath: path.resolve('data', 'warehouse.duckdb') });
    expect(config.s3.endpoint).toBeUndefined();
    expect(config.s3.bucket).toBe('mars');
    expect(config.kafka.brokers).toBeUndefined();
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.downloadAllowedHosts).toEqual(DEFAULT_DOWNLOAD_HOSTS);
    expect(config.nasa.rateLimitPerHour).toBe(1000);
  });

  it("defaults the live sources to NASA's public roots, and an empty value turns one off", () => {
    expect(loadConfig({}).nasa).toMatchObject({ apiBaseUrl: undefined, rawBaseUrl: 'https://mars.nasa.gov', mmgisBaseUrl: 'https://mars.nasa.gov/mmgis-maps' });
    expect(loadConfig({ MARS_RAW_BASE_URL: '', MMGIS_BASE_URL: ' ' }).nasa).toMatchObject({ rawBaseUrl: undefined, mmgisBaseUrl: undefined });
    expect(loadConfig({ MARS_RAW_BASE_URL: 'http://127.0.0.1:9' }).nasa.rawBaseUrl).toBe('http://127.0.0.1:9');
    expect(() => loadConfig({ MARS_RAW_BASE_URL: 'mars.nasa.gov' })).toThrow('MARS_RAW_BASE_URL: expected the root of the mars.nasa.gov raw-image feeds (an http(s) URL)');
  });

  it("takes DuckDB's memory limit as a size, or leaves it to the warehouse's default", () => {
    expect(loadConfig({ DUCKDB_MEMORY_LIMIT: '2GB' }).warehouse).toMatchObject({ kind: 'duckdb', memoryLimit: '2GB' });
    expect(loadConfig({}).warehouse).toMatchObject({ kind: 'duckdb', memoryLimit: undefined });
    expect(() => loadConfig({ DUCKDB_MEMORY_LIMIT: "1GB'; DROP" })).toThrow('DUCKDB_MEMORY_LIMIT: expected a size like 512MB or 2GB');
  });

  it('parses lists and numbers', () => {
    const config = loadConfig({
      KAFKA_BROKERS: 'a:9092, b:9092',
      DOWNLOAD_ALLOWED_HOSTS: 'example.org',
      NASA_RATE_LIMIT_PER_HOUR: '50',
      NASA_API_BASE_URL: 'http://127.0.0.1:9/api/v1',
    });
    expect(config.kafka.brokers).toEqual(['a:9092', 'b:9092']);
    expect(config.downloadAllowedHosts).toEqual(['example.org']);
    expect(config.nasa.rateLimitPerHour).toBe(50);
    expect(config.nasa.apiBaseUrl).toBe('http://127.0.0.1:9/api/v1');
  });

  it('names each bad variable and what it expects', () => {
    let error: unknown;
    try {
      loadConfig({ NASA_API_BASE_URL: 'not a url', WAREHOUSE: 'oracle', HTTP_CONCURRENCY: 'many' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.find((p) => p.startsWith('NASA_API_BASE_URL:'))).toContain('but received "not a url"');
    expect(problems.find((p) => p.startsWith('WAREHOUSE:'))).toContain('expected "duckdb" or "snowflake"');
    expect(problems.find((p) => p.startsWith('HTTP_CONCURRENCY:'))).toContain('expected an integer between 1 and 64');
  });

  it('reads an empty number as its default, and only decimal integers as numbers', () => {
    const config = loadConfig({ PORT: '', MODEL_DEBOUNCE_MS: '  ', PLANNER_WINDOW_SOLS: '', HTTP_TIMEOUT_MS: ' 5000 ' });
    expect(config.port).toBe(8080);
    expect(config.models.debounceMs).toBe(2000);
    expect(config.models.plannerWindowSols).toBe(10);
    expect(config.http.timeoutMs).toBe(5000);
    for (const value of ['0x10', '1e3', '80.5', '-1', '99999']) {
      expect(() => loadConfig({ PORT: value }), value).toThrow(`PORT: expected an integer between 0 and 65535, but received "${value}"`);
    }
  });

  it('takes only http(s) URLs for services and redis URLs for Redis', () => {
    expect(() => loadConfig({ NASA_API_BASE_URL: 'file:///etc/passwd' })).toThrow(
      'NASA_API_BASE_URL: expected the root of the classic Mars Rover Photos API schema (an http(s) URL), but received "file:///etc/passwd"',
    );
    expect(() => loadConfig({ S3_ENDPOINT: 'ftp://127.0.0.1:9000' })).toThrow('S3_ENDPOINT: expected the S3/MinIO endpoint');
    expect(() => loadConfig({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow('REDIS_URL: expected a redis:// URL, but received "http://127.0.0.1:6379"');
    expect(loadConfig({ REDIS_URL: 'rediss://cache.example:6380' }).redisUrl).toBe('rediss://cache.example:6380');
  });

  it('asks for Snowflake credentials when WAREHOUSE=snowflake', () => {
    expect(() => loadConfig({ WAREHOUSE: 'snowflake', SNOWFLAKE_ACCOUNT: 'acme' })).toThrow(
      /SNOWFLAKE_USERNAME: expected a value when WAREHOUSE=snowflake/,
    );
  });

  it('refuses a service API token too short to guess-proof', () => {
    expect(() => loadConfig({ SERVICE_API_TOKEN: 'short' })).toThrow(/SERVICE_API_TOKEN: expected a token of at least 16 characters/);
    expect(loadConfig({ SERVICE_API_TOKEN: '' }).serviceApiToken).toBeUndefined();
  });

  it('never repeats a secret in its error, only its length', () => {
    const secret = 'hunter2-secret';
    let message = '';
    try {
      loadConfig({ SERVICE_API_TOKEN: secret, SNOWFLAKE_PASSWORD: '' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('SERVICE_API_TOKEN: expected a token of at least 16 characters, but received a secret of 14 characters (not shown)');
    expect(message).not.toContain(secret);
  });

  it('reads the query API limits and extra host names', () => {
    expect(loadConfig({}).api).toEqual({ allowedHosts: [], queryTimeoutMs: 30_000 });
    expect(loadConfig({ API_ALLOWED_HOSTS: 'mars.example, mars', QUERY_TIMEOUT_MS: '1500' }).api).toEqual({
      allowedHosts: ['mars.example', 'mars'],
      queryTimeoutMs: 1500,
    });
  });
});
