import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stderr, so that stdout stays free for a command's own output (`--json`, the
 * closing summary). Each module asks for a child logger named for itself.
 */
export function createLogger(level: string = 'info', name = 'mars'): Logger {
  return pino({ name, level }, pino.destination(2));
}

/** A logger that drops everything, for tests and library callers that bring none. */
export const silentLogger: Logger = pino({ level: 'silent' });
