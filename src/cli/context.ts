import { loadConfig, type Config } from '../platform/config.ts';
import { createLogger, type Logger } from '../platform/logger.ts';
import { Runtime } from '../workers/runtime.ts';

export interface CommandContext {
  config: Config;
  logger: Logger;
  runtime: Runtime;
}

/**
 * Runs one CLI command with its dependencies opened from the environment, and closes them
 * whatever happens. Commands stay thin: they parse options, call a handler, print.
 */
export async function withRuntime<T>(fn: (ctx: CommandContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const runtime = new Runtime(config, logger);
  try {
    return await fn({ config, logger, runtime });
  } finally {
    await runtime.close();
  }
}
