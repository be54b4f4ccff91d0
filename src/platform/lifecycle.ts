/**
 * The small face every long-lived dependency shows (Kafka consumer, BullMQ worker, S3 client,
 * warehouse connection, worker pool, HTTP server): the entry point starts them in order and
 * stops them in reverse.
 */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  /** Safe to call twice: the second call returns the first call's promise. */
  close(): Promise<void>;
  describe(): Record<string, unknown>;
}

/** Keeps one closing promise, so close() can be called from several places safely. */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= fn());
}

/**
 * Runs every cleanup step even when an earlier one failed, then throws the first failure.
 * Steps run in the order given (callers pass them in reverse start order).
 */
export async function closeAll(steps: Array<() => Promise<unknown> | unknown>): Promise<void> {
  let first: unknown;
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      first ??= error;
    }
  }
  if (first !== undefined) throw first;
}
