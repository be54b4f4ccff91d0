import { describe, expect, it } from 'vitest';
import { TransientError, ValidationError } from '../../src/platform/errors.ts';
import { backoffDelay, retry } from '../../src/platform/retry.ts';

describe('retry', () => {
  it('retries retriable errors until success', async () => {
    const seen: number[] = [];
    const result = await retry(
      async (attempt) => {
        seen.push(attempt);
        if (attempt < 3) throw new TransientError('busy');
        return 'ok';
      },
      { baseDelayMs: 1 },
    );
    expect(result).toBe('ok');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('stops at once on a non-retriable error', async () => {
    let calls = 0;
    await expect(
      retry(async () => {
        calls++;
        throw new ValidationError('bad record');
      }),
    ).rejects.toThrow('bad record');
    expect(calls).toBe(1);
  });

  it('gives up after the last attempt with the last error', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new TransientError(`fail ${calls}`);
        },
        { attempts: 3, baseDelayMs: 1 },
      ),
    ).rejects.toThrow('fail 3');
    expect(calls).toBe(3);
  });

  it('honours a requested delay over the backoff', async () => {
    const delays: number[] = [];
    await retry(
      async (attempt) => {
        if (attempt === 1) throw new TransientError('429');
        return 1;
      },
      { baseDelayMs: 10_000, requestedDelayMs: () => 5, onRetry: ({ delayMs }) => delays.push(delayMs) },
    );
    expect(delays).toEqual([5]);
  });

  it('backs off exponentially within the cap', () => {
    expect(backoffDelay(1, 100, 1000, () => 1)).toBe(100);
    expect(backoffDelay(3, 100, 1000, () => 1)).toBe(400);
    expect(backoffDelay(10, 100, 1000, () => 1)).toBe(1000);
    expect(backoffDelay(4, 100, 1000, () => 0)).toBe(0);
  });
});
