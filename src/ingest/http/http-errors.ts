import { MarsError } from '../../platform/errors.ts';

/**
 * Why a request to a NASA source failed. `retriable` says whether asking again can help (429,
 * 5xx, timeouts, dropped connections); everything else (4xx, an HTML page where JSON was
 * expected, malformed JSON, an oversized body, a response of the wrong shape) fails at once.
 */
export type HttpErrorCode =
  | 'HTTP_STATUS'
  | 'HTTP_TIMEOUT'
  | 'HTTP_NETWORK'
  | 'HTTP_NOT_JSON'
  | 'HTTP_BAD_JSON'
  | 'HTTP_TOO_LARGE'
  | 'HTTP_BAD_SHAPE'
  | 'HTTP_RETRY_AFTER_TOO_LONG';

export class HttpError extends MarsError {
  declare readonly code: HttpErrorCode;

  constructor(
    message: string,
    code: HttpErrorCode,
    readonly url: string,
    options: { retriable?: boolean; status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, code, options.retriable ?? false, { cause: options.cause });
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** The HTTP status, when the server answered. */
  readonly status?: number;
  /** The wait the server asked for with Retry-After, in milliseconds. */
  readonly retryAfterMs?: number;
}

export function isHttpError(error: unknown): error is HttpError {
  return error instanceof HttpError;
}
