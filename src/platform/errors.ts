/**
 * One error hierarchy for the project. `retriable` tells queues and consumers whether trying
 * again can help; an unrecoverable error goes straight to the dead-letter record.
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

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
