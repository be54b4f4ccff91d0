import { setTimeout as sleep } from 'node:timers/promises';
import { expected } from '../../platform/errors.ts';

/** What the HttpClient asks before every request: resolve when a request may go out. */
export interface RateLimiter {
  take(): Promise<void>;
}

export interface TokenBucketOptions {
  /** Tokens added per hour (the request budget). */
  perHour: number;
  /** Most tokens held at once, i.e. the largest burst. Default: `perHour` (a full hour's budget). */
  capacity?: number;
  /** Clock in milliseconds. Default: Date.now. */
  now?: () => number;
  /** How to wait. Default: timers/promises setTimeout. */
  sleep?: (ms: number) => Promise<unknown>;
}

/**
 * A token bucket: each request takes one token; tokens come back at `perHour / 3600` a second.
 * Waiters are served in arrival order, so a burst cannot starve an earlier caller.
 */
export class TokenBucket implements RateLimiter {
  readonly perHour: number;
  readonly capacity: number;
  private tokens: number;
  private updatedAt: number;
  private queue: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<unknown>;

  constructor(options: TokenBucketOptions) {
    if (!Number.isFinite(options.perHour) || options.perHour <= 0) {
      throw new RangeError(expected('a positive number', 'perHour', options.perHour));
    }
    this.perHour = options.perHour;
    this.capacity = Math.max(1, options.capacity ?? options.perHour);
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => sleep(ms));
    this.tokens = this.capacity;
    this.updatedAt = this.now();
  }

  /** Resolves when a token has been taken. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.takeInTurn());
    // A failed sleep must not wedge the queue for everyone behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** Tokens available right now (after refilling). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  private async takeInTurn(): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      const msPerToken = 3_600_000 / this.perHour;
      await this.sleep(Math.ceil((1 - this.tokens) * msPerToken));
    }
  }

  private refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.updatedAt);
    this.updatedAt = now;
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.perHour) / 3_600_000);
  }
}

const processBuckets = new Map<number, TokenBucket>();

/**
 * The process-wide bucket for a budget: every HttpClient in this process that asks for the same
 * hourly budget shares one bucket, so two adapters cannot each spend the whole allowance.
 * (Across processes, the ingest queue's limiter holds the budget.)
 */
export function processTokenBucket(perHour: number): TokenBucket {
  let bucket = processBuckets.get(perHour);
  if (!bucket) {
    bucket = new TokenBucket({ perHour });
    processBuckets.set(perHour, bucket);
  }
  return bucket;
}
