import { setTimeout as sleep } from 'node:timers/promises';
import { expected } from '../../platform/errors.ts';

/** What the HttpClient asks before every request: resolve when a request may go out. */
export interface RateLimiter {
  /** Resolves when a request may go out; rejects when `signal` aborts first. */
  take(signal?: AbortSignal): Promise<void>;
}

export const HOUR_MS = 3_600_000;

export interface RollingHourLimitOptions {
  /** Most requests in any rolling hour (NASA counts its limit that way). */
  perHour: number;
  /** Clock in milliseconds. Default: Date.now. */
  now?: () => number;
  /** How to wait. Default: timers/promises setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<unknown>;
}

export function checkPerHour(perHour: number): void {
  if (!Number.isInteger(perHour) || perHour < 1) {
    throw new RangeError(expected('a positive integer', 'perHour', perHour));
  }
}

/**
 * NASA's budget as NASA counts it: at most `perHour` requests in any rolling hour. The times of
 * the last hour's requests are kept; a request goes out when fewer than `perHour` fall within
 * the hour before it, else it waits until the oldest leaves the hour. (A token bucket holding a
 * full hour's budget lets one rolling hour see twice the budget: the stored tokens plus an
 * hour's refill.) Waiters are served in arrival order.
 */
export class RollingHourLimit implements RateLimiter {
  readonly perHour: number;
  /** Times of the requests of the last hour, oldest first. */
  private readonly sent: number[] = [];
  private queue: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<unknown>;

  constructor(options: RollingHourLimitOptions) {
    checkPerHour(options.perHour);
    this.perHour = options.perHour;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms, signal) => sleep(ms, undefined, { signal }));
  }

  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.takeInTurn(signal));
    // A waiter that gave up must not wedge the queue for everyone behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** Requests that may go out right now. */
  available(): number {
    this.forgetOld();
    return this.perHour - this.sent.length;
  }

  private async takeInTurn(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      this.forgetOld();
      if (this.sent.length < this.perHour) {
        this.sent.push(this.now());
        return;
      }
      // Rejects with the signal's own reason, not a generic AbortError.
      await this.sleep(this.sent[0]! + HOUR_MS - this.now(), signal).catch((error: unknown) => {
        signal?.throwIfAborted();
        throw error;
      });
    }
  }

  private forgetOld(): void {
    const horizon = this.now() - HOUR_MS;
    while (this.sent.length > 0 && this.sent[0]! <= horizon) this.sent.shift();
  }
}

const processLimits = new Map<number, RollingHourLimit>();

/**
 * The process-wide limit for a budget: every HttpClient in this process that asks for the same
 * hourly budget shares one, so two adapters cannot each spend the whole allowance.
 * (Across processes, the ingest workers share one through Redis.)
 */
export function processRateLimit(perHour: number): RollingHourLimit {
  let limit = processLimits.get(perHour);
  if (!limit) {
    limit = new RollingHourLimit({ perHour });
    processLimits.set(perHour, limit);
  }
  return limit;
}
