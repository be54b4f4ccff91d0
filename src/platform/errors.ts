/**
 * One error hierarchy for the project. Every error we raise on purpose is a `MarsError` with a
 * `code` and says whether trying again can help (`retriable`); queues, consumers and `retry()`
 * all ask `isRetriable()`, so an error is treated the same wherever it surfaces. A condition we
 * name is permanent unless it says otherwise (`retriable` defaults to false; `TransientError`
 * is the retriable one); a failure nobody named is presumed transient (see `isRetriable`).
 */
export class MarsError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retriable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that can never succeed as given: bad command, bad record, bad file. */
export class ValidationError extends MarsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'VALIDATION', false, options);
  }
}

/** A dependency that failed in a way that may pass: network, 5xx, a busy broker. */
export class TransientError extends MarsError {
  constructor(message: string, code = 'TRANSIENT', options?: { cause?: unknown }) {
    super(message, code, true, options);
  }
}

/**
 * Whether trying again can help. An error that says (`retriable: true|false`, as every
 * `MarsError` does) is taken at its word; a zod error is bad input and never passes; BullMQ's
 * `UnrecoverableError` means "stop". Anything else, a library's error or a plain `Error`, is
 * presumed transient (a reset socket, a busy Redis): it is retried within its attempts and
 * dead-lettered as `retries-exhausted` after them, the same under Kafka, BullMQ and `retry()`.
 */
export function isRetriable(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return true;
  const { retriable, name } = error as { retriable?: unknown; name?: unknown };
  if (typeof retriable === 'boolean') return retriable;
  return name !== 'ZodError' && name !== 'UnrecoverableError';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The one format for a bad value: "Expected <what> for <option> but received <value>", strings
 * quoted so an empty or spaced value shows.
 */
export function expected(what: string, option: string, received: unknown): string {
  return `Expected ${what} for ${option} but received ${typeof received === 'string' ? `"${received}"` : String(received)}`;
}

/**
 * The one format for zod issues: "photos.3.id: expected number, received string; …" (the bare
 * message when the value itself is wrong), at most `max` of them and a count of the rest, so a
 * line stays readable in a log or a summary.
 */
export function formatIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, max = Infinity): string {
  const shown = issues.slice(0, max).map((issue) => {
    const where = issue.path.map(String).join('.');
    return where ? `${where}: ${issue.message}` : issue.message;
  });
  if (issues.length > max) shown.push(`and ${issues.length - max} more`);
  return shown.join('; ');
}
