import { z } from 'zod';
import { IngestRequestSchema, type IngestRequest } from './ingest-request.ts';
import { MinioEventSchema } from './minio-event.ts';
import { RoverSchema, SOURCES } from './raw-objects.ts';
import { TimelapseCommandMessageSchema, TimelapseEventSchema } from './schemas.ts';

/**
 * The topics of the product's contract and the zod schema of each one's values. Producers
 * validate before sending and consumers after receiving, so a bad value is caught at both
 * ends. Each topic's name is written here and nowhere else.
 */
export interface TopicDefinition<T> {
  readonly name: string;
  readonly schema: z.ZodType<T>;
}

export function defineTopic<T>(name: string, schema: z.ZodType<T>): TopicDefinition<T> {
  return { name, schema };
}

export const TOPIC_NAMES = {
  ingestionScheduling: 'ingestion-scheduling',
  minioEvents: 'minio-events',
  warehouseLoadComplete: 'warehouse-load-complete',
  timelapseCommands: 'timelapse-commands',
  timelapseEvents: 'timelapse-events',
  deadLetter: 'dead-letter',
  ingestionRuns: 'ingestion-runs',
} as const;

/** Every topic the system uses, for provisioning. */
export const ALL_TOPICS: string[] = Object.values(TOPIC_NAMES);

/**
 * A scheduling command is an ingest request (source, rover, sols, force, requestId): the same
 * schema `mars ingest` checks, so a command means the same thing from either door.
 */
export const IngestionCommandSchema = IngestRequestSchema;
export type IngestionCommand = IngestRequest;

export const WarehouseLoadCompleteSchema = z.object({
  key: z.string().min(1),
  etag: z.string(),
  /** False when the object had been loaded before (a replayed event). */
  loaded: z.boolean(),
  table: z.string().nullable(),
  rows: z.number().int().nonnegative(),
  at: z.iso.datetime(),
});
export type WarehouseLoadComplete = z.infer<typeof WarehouseLoadCompleteSchema>;

export const DEAD_LETTER_REASONS = ['invalid-json', 'invalid-schema', 'handler-failed', 'retries-exhausted'] as const;
export const DeadLetterSchema = z.object({
  reason: z.enum(DEAD_LETTER_REASONS),
  /** The error or the validation problems, readable. */
  detail: z.string(),
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  offset: z.string(),
  key: z.string().nullable(),
  /** The original value as UTF-8 text (null for a tombstone). */
  value: z.string().nullable(),
  /** Consumer group or queue that gave up. */
  consumer: z.string(),
  at: z.iso.datetime(),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

/**
 * How one ingest job attempt went, published by the ingest workers (which hold no warehouse)
 * and recorded in MARS_OPS.INGEST_RUNS by the role that holds it.
 */
export const IngestionRunSchema = z.object({
  runId: z.string().min(1),
  source: z.enum(SOURCES),
  rover: RoverSchema,
  solStart: z.number().int().nullable(),
  solEnd: z.number().int().nullable(),
  status: z.enum(['completed', 'failed']),
  attempt: z.number().int().positive(),
  requests: z.number().int().nonnegative(),
  records: z.number().int().nonnegative(),
  quarantined: z.number().int().nonnegative(),
  retries: z.number().int().nonnegative(),
  rateLimitWaits: z.number().int().nonnegative(),
  rateLimitWaitMs: z.number().int().nonnegative(),
  objects: z.number().int().nonnegative(),
  error: z.string().nullable(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
});
export type IngestionRun = z.infer<typeof IngestionRunSchema>;

export const Topics = {
  ingestionScheduling: defineTopic(TOPIC_NAMES.ingestionScheduling, IngestionCommandSchema),
  minioEvents: defineTopic(TOPIC_NAMES.minioEvents, MinioEventSchema),
  warehouseLoadComplete: defineTopic(TOPIC_NAMES.warehouseLoadComplete, WarehouseLoadCompleteSchema),
  deadLetter: defineTopic(TOPIC_NAMES.deadLetter, DeadLetterSchema),
  ingestionRuns: defineTopic(TOPIC_NAMES.ingestionRuns, IngestionRunSchema),
} as const;

/** The timelapse topics of the contract, with the schemas both ends check. */
export const TimelapseTopics = {
  commands: defineTopic(TOPIC_NAMES.timelapseCommands, TimelapseCommandMessageSchema),
  events: defineTopic(TOPIC_NAMES.timelapseEvents, TimelapseEventSchema),
} as const;
