import path from 'node:path';
import { z } from 'zod';
import { MarsError } from './errors.ts';
import type { Source } from '../timelapse/raw-objects.ts';

/**
 * The one place where configuration is read. Every variable of the product's contract is
 * declared here with its default; a bad value stops the program at start with a message that
 * names the variable and says what it expects.
 */

/** A size as DuckDB's memory_limit takes it: `512MB`, `1.5GB`, `2GiB`. */
export const MEMORY_SIZE = /^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

const urlOrNothing = (what: string) =>
  z
    .string()
    .transform((value) => (value.trim() === '' ? undefined : value.trim()))
    .pipe(z.url({ protocol: /^https?$/, message: `expected ${what} (an http(s) URL)` }).optional());

const optionalUrl = (what: string) => urlOrNothing(what).optional();

/**
 * A URL that NASA serves publicly, used when the variable is unset, so a machine with internet
 * needs no configuration; set it empty to turn that source off.
 */
const publicUrl = (what: string, fallback: string) => z.string().default(fallback).pipe(urlOrNothing(what));

/** NASA's public roots of the live sources (no key needed). */
export const NASA_PUBLIC_ROOTS = {
  MARS_RAW_BASE_URL: 'https://mars.nasa.gov',
  MMGIS_BASE_URL: 'https://mars.nasa.gov/mmgis-maps',
} as const;

/** A whole number in decimal; an empty value means the default (as for URLs), never 0. */
const intFrom = (min: number, max: number, fallback: number) =>
  z.preprocess(
    (value) => (value === undefined || (typeof value === 'string' && value.trim() === '') ? String(fallback) : value),
    z
      .string()
      .trim()
      .regex(/^[+-]?\d+$/, { message: `expected an integer between ${min} and ${max}` })
      .transform(Number)
      .pipe(
        z
          .number()
          .min(min, { message: `expected an integer between ${min} and ${max}` })
          .max(max, { message: `expected an integer between ${min} and ${max}` }),
      ),
  );

const csv = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0),
  );

/** NASA's image hosts: the only places rendering downloads from unless told otherwise. */
export const DEFAULT_DOWNLOAD_HOSTS = [
  'mars.nasa.gov',
  'mars.jpl.nasa.gov',
  'photojournal.jpl.nasa.gov',
  'pds-imaging.jpl.nasa.gov',
];

const EnvSchema = z.object({
  NASA_API_BASE_URL: optionalUrl('the root of the classic Mars Rover Photos API schema'),
  NASA_API_KEY: z.string().min(1).default('DEMO_KEY'),
  MARS_RAW_BASE_URL: publicUrl('the root of the mars.nasa.gov raw-image feeds', NASA_PUBLIC_ROOTS.MARS_RAW_BASE_URL),
  MMGIS_BASE_URL: publicUrl('the root of the MMGIS maps (…/mmgis-maps)', NASA_PUBLIC_ROOTS.MMGIS_BASE_URL),
  NASA_RATE_LIMIT_PER_HOUR: intFrom(1, 1_000_000, 1000),
  HTTP_CONCURRENCY: intFrom(1, 64, 4),
  HTTP_TIMEOUT_MS: intFrom(100, 600_000, 30_000),
  HTTP_MAX_RESPONSE_BYTES: intFrom(1024, 2_000_000_000, 64 * 1024 * 1024),
  INGEST_LOOKBACK_SOLS: intFrom(0, 1000, 3),
  /** Sols per raw photos/feed object (one object per batch, one queued job per batch). */
  INGEST_BATCH_SOLS: intFrom(1, 10_000, 10),
  /** Most sols one photos/feed ingestion command may cover; a larger range is refused. */
  INGEST_MAX_SOLS: intFrom(1, 100_000, 500),

  KAFKA_BROKERS: csv.optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('mars-timelapse'),
  /** Prefix of every consumer group id, so two deployments can share one cluster. */
  KAFKA_GROUP_PREFIX: z.string().min(1).default('mars'),
  KAFKA_SESSION_TIMEOUT_MS: intFrom(6000, 300_000, 30_000),
  /** Partitions asked for when the cluster lets us create topics (the mock cluster makes 4). */
  KAFKA_PARTITIONS: intFrom(1, 1000, 4),
  KAFKA_REPLICATION_FACTOR: intFrom(1, 10, 1),
  /** Attempts of a consumer's handler on retriable errors before the message is dead-lettered. */
  KAFKA_HANDLER_ATTEMPTS: intFrom(1, 100, 5),

  /** BullMQ key prefix in Redis (tests use a unique one). */
  QUEUE_PREFIX: z.string().min(1).default('mars'),
  /** Per-source worker concurrency, e.g. `photos=2,feed=2,manifests=1,traverse=1`. */
  INGEST_CONCURRENCY: z
    .string()
    .regex(/^\s*(photos|manifests|traverse|feed)\s*=\s*\d{1,3}\s*(,\s*(photos|manifests|traverse|feed)\s*=\s*\d{1,3}\s*)*$/, {
      message: 'expected source=N pairs such as photos=2,feed=2,manifests=1,traverse=1',
    })
    .optional(),
  INGEST_ATTEMPTS: intFrom(1, 100, 5),
  /** How long a job stays locked to a worker that stopped answering before another takes it over. */
  QUEUE_LOCK_MS: intFrom(1000, 600_000, 30_000),
  INGEST_BACKOFF_MS: intFrom(10, 3_600_000, 5000),
  /** How long a completed scheduling command is remembered, so a replayed one is not run again. */
  INGEST_DEDUPE_SECONDS: intFrom(1, 30 * 24 * 3600, 3600),
  /** Quiet time after the last load-complete message before a model run starts. */
  MODEL_DEBOUNCE_MS: intFrom(0, 600_000, 2000),
  /** How long a timelapse request waits for the ingestion it scheduled before it fails. */
  TIMELAPSE_METADATA_TIMEOUT_MS: intFrom(1000, 86_400_000, 600_000),
  /** The planner schedules gaps only within this many sols of a rover's newest sol; 0 turns it off. */
  PLANNER_WINDOW_SOLS: intFrom(0, 100_000, 10),
  /** At most this many ingestion batches are published after one model run. */
  PLANNER_MAX_BATCHES: intFrom(0, 1000, 4),

  S3_ENDPOINT: optionalUrl('the S3/MinIO endpoint, e.g. http://127.0.0.1:9000'),
  S3_ACCESS_KEY: z.string().min(1).default('S3RVER'),
  S3_SECRET_KEY: z.string().min(1).default('S3RVER'),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
      message: 'expected an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)',
    })
    .default('mars'),
  S3_REGION: z.string().min(1).default('us-east-1'),

  REDIS_URL: z.url({ protocol: /^rediss?$/, message: 'expected a redis:// URL' }).default('redis://127.0.0.1:6379'),

  WAREHOUSE: z.enum(['duckdb', 'snowflake'], { message: 'expected "duckdb" or "snowflake"' }).default('duckdb'),
  DUCKDB_PATH: z.string().min(1).optional(),
  DUCKDB_MEMORY_LIMIT: z.string().regex(MEMORY_SIZE, { message: 'expected a size like 512MB or 2GB' }).optional(),
  SNOWFLAKE_ACCOUNT: z.string().min(1).optional(),
  SNOWFLAKE_USERNAME: z.string().min(1).optional(),
  SNOWFLAKE_PASSWORD: z.string().min(1).optional(),
  SNOWFLAKE_DATABASE: z.string().min(1).default('MARS_DB'),
  SNOWFLAKE_WAREHOUSE: z.string().min(1).optional(),
  SNOWFLAKE_ROLE: z.string().min(1).optional(),
  /** Overrides the account URL (a proxy, or a local stub of the protocol in tests). */
  SNOWFLAKE_ACCESS_URL: optionalUrl('the Snowflake account URL'),

  DATA_DIR: z.string().min(1).default('data'),
  FFMPEG_PATH: z.string().min(1).optional(),
  FFPROBE_PATH: z.string().min(1).optional(),
  DOWNLOAD_ALLOWED_HOSTS: csv.optional(),

  PORT: intFrom(0, 65535, 8080),
  /** Address `mars serve` listens on; 0.0.0.0 in containers. */
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  /** Where other `mars` commands find a running `mars serve` (for the warehouse it holds). */
  MARS_SERVICE_URL: optionalUrl('the URL of a running `mars serve`'),
  /**
   * Bearer token for the service's warehouse API (`/api/query`, `/api/warehouse/build`). Needed
   * when HTTP_HOST is not a loopback address: DuckDB queries can read files on the host.
   */
  SERVICE_API_TOKEN: z
    .string()
    .transform((value) => (value === '' ? undefined : value))
    .pipe(z.string().min(16, { message: 'expected a token of at least 16 characters' }).optional())
    .optional(),
  /**
   * Host names, besides loopback ones, under which the query and build API answers (the Host
   * header): a page on another name that resolves here (DNS rebinding) is refused.
   */
  API_ALLOWED_HOSTS: csv.optional(),
  /** A query through the API is stopped after this long. */
  QUERY_TIMEOUT_MS: intFrom(100, 3_600_000, 30_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.input<typeof EnvSchema>;

export interface Config {
  nasa: {
    apiBaseUrl?: string;
    apiKey: string;
    rawBaseUrl?: string;
    mmgisBaseUrl?: string;
    rateLimitPerHour: number;
  };
  http: { concurrency: number; timeoutMs: number; maxResponseBytes: number };
  ingest: { lookbackSols: number; batchSols: number; maxSols: number };
  kafka: {
    brokers?: string[];
    clientId: string;
    groupPrefix: string;
    sessionTimeoutMs: number;
    partitions: number;
    replicationFactor: number;
    handlerAttempts: number;
  };
  queues: {
    prefix: string;
    ingestConcurrency: Record<Source, number>;
    ingestAttempts: number;
    ingestBackoffMs: number;
    lockMs: number;
    dedupeSeconds: number;
  };
  models: { debounceMs: number; plannerWindowSols: number; plannerMaxBatches: number };
  timelapse: { metadataTimeoutMs: number };
  s3: { endpoint?: string; accessKey: string; secretKey: string; bucket: string; region: string };
  redisUrl: string;
  warehouse:
    | { kind: 'duckdb'; duckdbPath: string; /** DuckDB's memory_limit; unset: the adapter's default. */ memoryLimit?: string }
    | {
        kind: 'snowflake';
        account: string;
        username: string;
        password: string;
        database: string;
        warehouse?: string;
        role?: string;
        accessUrl?: string;
      };
  dataDir: string;
  ffmpegPath?: string;
  ffprobePath?: string;
  downloadAllowedHosts: string[];
  port: number;
  httpHost: string;
  serviceUrl?: string;
  serviceApiToken?: string;
  api: { allowedHosts: string[]; queryTimeoutMs: number };
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
}

/** Variables that can never work as set: the program stops and names each. */
export class ConfigError extends MarsError {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, 'CONFIG_INVALID', false);
  }
}

/** Variables whose values are never repeated in an error message (logs and terminals keep them). */
const SECRETS = new Set(['NASA_API_KEY', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'SNOWFLAKE_PASSWORD', 'SERVICE_API_TOKEN']);

function describeReceived(env: Record<string, string | undefined>, key: string): string {
  const value = env[key];
  if (value === undefined) return 'nothing';
  if (SECRETS.has(key)) return `a secret of ${value.length} characters (not shown)`;
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

/** Photos and feeds page through many sols, so they get more workers than the one-shot sources. */
const DEFAULT_INGEST_CONCURRENCY: Record<Source, number> = { photos: 2, feed: 2, manifests: 1, traverse: 1 };

function parseConcurrency(value: string | undefined): Record<Source, number> {
  const out = { ...DEFAULT_INGEST_CONCURRENCY };
  for (const pair of value?.split(',') ?? []) {
    const [source, count] = pair.split('=').map((part) => part.trim());
    out[source as Source] = Math.max(1, Number(count));
  }
  return out;
}

/** Reads and checks the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '?');
      return `${key}: ${issue.message}, but received ${describeReceived(env, key)}`;
    });
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);

  let warehouse: Config['warehouse'];
  if (e.WAREHOUSE === 'snowflake') {
    const missing = (['SNOWFLAKE_ACCOUNT', 'SNOWFLAKE_USERNAME', 'SNOWFLAKE_PASSWORD'] as const).filter(
      (key) => !e[key],
    );
    if (missing.length > 0) {
      throw new ConfigError(missing.map((key) => `${key}: expected a value when WAREHOUSE=snowflake, but received nothing`));
    }
    warehouse = {
      kind: 'snowflake',
      account: e.SNOWFLAKE_ACCOUNT!,
      username: e.SNOWFLAKE_USERNAME!,
      password: e.SNOWFLAKE_PASSWORD!,
      database: e.SNOWFLAKE_DATABASE,
      warehouse: e.SNOWFLAKE_WAREHOUSE,
      role: e.SNOWFLAKE_ROLE,
      accessUrl: e.SNOWFLAKE_ACCESS_URL,
    };
  } else {
    warehouse = { kind: 'duckdb', duckdbPath: path.resolve(e.DUCKDB_PATH ?? path.join(dataDir, 'warehouse.duckdb')), memoryLimit: e.DUCKDB_MEMORY_LIMIT };
  }

  return {
    nasa: {
      apiBaseUrl: e.NASA_API_BASE_URL,
      apiKey: e.NASA_API_KEY,
      rawBaseUrl: e.MARS_RAW_BASE_URL,
      mmgisBaseUrl: e.MMGIS_BASE_URL,
      rateLimitPerHour: e.NASA_RATE_LIMIT_PER_HOUR,
    },
    http: { concurrency: e.HTTP_CONCURRENCY, timeoutMs: e.HTTP_TIMEOUT_MS, maxResponseBytes: e.HTTP_MAX_RESPONSE_BYTES },
    ingest: { lookbackSols: e.INGEST_LOOKBACK_SOLS, batchSols: e.INGEST_BATCH_SOLS, maxSols: e.INGEST_MAX_SOLS },
    kafka: {
      brokers: e.KAFKA_BROKERS && e.KAFKA_BROKERS.length > 0 ? e.KAFKA_BROKERS : undefined,
      clientId: e.KAFKA_CLIENT_ID,
      groupPrefix: e.KAFKA_GROUP_PREFIX,
      sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS,
      partitions: e.KAFKA_PARTITIONS,
      replicationFactor: e.KAFKA_REPLICATION_FACTOR,
      handlerAttempts: e.KAFKA_HANDLER_ATTEMPTS,
    },
    queues: {
      prefix: e.QUEUE_PREFIX,
      ingestConcurrency: parseConcurrency(e.INGEST_CONCURRENCY),
      ingestAttempts: e.INGEST_ATTEMPTS,
      ingestBackoffMs: e.INGEST_BACKOFF_MS,
      lockMs: e.QUEUE_LOCK_MS,
      dedupeSeconds: e.INGEST_DEDUPE_SECONDS,
    },
    models: {
      debounceMs: e.MODEL_DEBOUNCE_MS,
      plannerWindowSols: e.PLANNER_WINDOW_SOLS,
      plannerMaxBatches: e.PLANNER_MAX_BATCHES,
    },
    timelapse: { metadataTimeoutMs: e.TIMELAPSE_METADATA_TIMEOUT_MS },
    s3: {
      endpoint: e.S3_ENDPOINT,
      accessKey: e.S3_ACCESS_KEY,
      secretKey: e.S3_SECRET_KEY,
      bucket: e.S3_BUCKET,
      region: e.S3_REGION,
    },
    redisUrl: e.REDIS_URL,
    warehouse,
    dataDir,
    ffmpegPath: e.FFMPEG_PATH,
    ffprobePath: e.FFPROBE_PATH,
    downloadAllowedHosts:
      e.DOWNLOAD_ALLOWED_HOSTS && e.DOWNLOAD_ALLOWED_HOSTS.length > 0 ? e.DOWNLOAD_ALLOWED_HOSTS : DEFAULT_DOWNLOAD_HOSTS,
    port: e.PORT,
    httpHost: e.HTTP_HOST,
    serviceUrl: e.MARS_SERVICE_URL,
    serviceApiToken: e.SERVICE_API_TOKEN,
    api: { allowedHosts: e.API_ALLOWED_HOSTS ?? [], queryTimeoutMs: e.QUERY_TIMEOUT_MS },
    logLevel: e.LOG_LEVEL,
  };
}
