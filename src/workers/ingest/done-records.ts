import type { Redis } from 'ioredis';

/**
 * Our own record of finished ingest commands, kept for a while after BullMQ forgets the job:
 * a command delivered again (a replayed message, a planner repeating itself) within the window
 * is recognised and not run twice.
 */
export class DoneRecords {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  private key(jobKey: string): string {
    return `${this.prefix}:ingest-done:${jobKey}`;
  }

  async get(jobKey: string): Promise<Record<string, unknown> | null> {
    const value = await this.redis.get(this.key(jobKey));
    return value === null ? null : (JSON.parse(value) as Record<string, unknown>);
  }

  async mark(jobKey: string, summary: Record<string, unknown>): Promise<void> {
    await this.redis.set(this.key(jobKey), JSON.stringify({ ...summary, at: new Date().toISOString() }), 'EX', this.ttlSeconds);
  }
}
