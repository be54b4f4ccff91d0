import type { Redis } from 'ioredis';
import { z } from 'zod';
import { OutputKeysSchema, type DistributiveOmit } from '../../timelapse/schemas.ts';

/**
 * The timelapse requests' own idempotency record, in Redis: BullMQ's jobId de-duplication
 * lasts only while a job is kept, and Kafka delivers at least once, so this record is what
 * makes a repeated `requestId` answer with the existing result instead of rendering again.
 *
 * States: `resolving` (accepted, frames being found), `queued` (render job enqueued),
 * `completed` and `failed` (final).
 */
export const LedgerRecordSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('resolving'), at: z.iso.datetime() }),
  z.object({ state: z.literal('queued'), at: z.iso.datetime(), frames: z.number().int().nonnegative().nullable() }),
  z.object({
    state: z.literal('completed'),
    at: z.iso.datetime(),
    keys: OutputKeysSchema,
    framesAccepted: z.number().int().nonnegative(),
    framesRejected: z.number().int().nonnegative(),
    durationSeconds: z.number().nonnegative(),
  }),
  z.object({ state: z.literal('failed'), at: z.iso.datetime(), reason: z.string() }),
]);
export type LedgerRecord = z.infer<typeof LedgerRecordSchema>;

export interface RequestLedgerOptions {
  /** Key prefix, shared with the queues' (tests use a unique one). */
  prefix: string;
  /** How long a request is remembered. Default 30 days. */
  ttlSeconds?: number;
}

export class RequestLedger {
  private readonly ttlSeconds: number;

  /** The connection is shared: the ledger never closes it. */
  constructor(
    private readonly redis: Redis,
    private readonly options: RequestLedgerOptions,
  ) {
    this.ttlSeconds = options.ttlSeconds ?? 30 * 24 * 3600;
  }

  private key(requestId: string): string {
    return `${this.options.prefix}:timelapse:request:${requestId}`;
  }

  async get(requestId: string): Promise<LedgerRecord | null> {
    const value = await this.redis.get(this.key(requestId));
    return value === null ? null : LedgerRecordSchema.parse(JSON.parse(value));
  }

  /** Records a new request; false when the request id is already known (another delivery won). */
  async claim(requestId: string, now = new Date()): Promise<boolean> {
    const record: LedgerRecord = { state: 'resolving', at: now.toISOString() };
    const result = await this.redis.set(this.key(requestId), JSON.stringify(record), 'EX', this.ttlSeconds, 'NX');
    return result === 'OK';
  }

  async set(requestId: string, record: DistributiveOmit<LedgerRecord, 'at'>, now = new Date()): Promise<void> {
    const full = LedgerRecordSchema.parse({ ...record, at: now.toISOString() });
    await this.redis.set(this.key(requestId), JSON.stringify(full), 'EX', this.ttlSeconds);
  }
}
