import { setTimeout as sleep } from 'node:timers/promises';
import { isRetriable as defaultIsRetriable } from './errors.ts';

export interface RetryOptions {
  /** Total attempts, the first included. Default 5. */
  attempts?: number;
  /** Delay before the second attempt, doubled each time. Default 500 ms. */
  baseDelayMs?: number;
  /** Cap on one delay. Default 30 s. */
  maxDelayMs?: number;
  /** Whether an error is worth another attempt. Default: `isRetriable` (errors.ts). */
  isRetriable?: (error: unknown) => boolean;
  /** A delay the other side asked for (e.g. Retry-After), which wins over the backoff. */
  requestedDelayMs?: (error: unknown) => number | undefined;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  signal?: AbortSignal;
}

/** Exponential backoff with full jitter: a random delay in [0, base * 2^n], capped. */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, random = Math.random): number {
  return Math.round(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
}

/** Calls fn until it succeeds, it throws a non-retriable error, or the attempts run out. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const base = options.baseDelayMs ?? 500;
  const max = options.maxDelayMs ?? 30_000;
  const isRetriable = options.isRetriable ?? defaultIsRetriable;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= attempts || !isRetriable(error)) throw error;
      const requested = options.requestedDelayMs?.(error);
      const delayMs = requested !== undefined ? Math.min(requested, max) : backoffDelay(attempt, base, max);
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, undefined, { signal: options.signal });
    }
  }
}
