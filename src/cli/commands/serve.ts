import type { Command } from 'commander';
import { loadConfig } from '../../platform/config.ts';
import { errorMessage } from '../../platform/errors.ts';
import { createLogger } from '../../platform/logger.ts';
import { Runtime } from '../../workers/runtime.ts';
import { ROLES } from '../../workers/roles.ts';
import { MarsService } from '../../workers/service.ts';
import { portOption } from '../port-option.ts';

/**
 * `mars serve [--roles a,b] [--port N]`: runs the consumers and workers until SIGTERM or SIGINT,
 * then drains and exits 0. A second signal stops at once with exit code 1.
 */
export function register(program: Command): void {
  program
    .command('serve')
    .description(`run the event-driven service (roles: ${ROLES.map((r) => r.name).join(', ')})`)
    .option('--roles <names>', 'comma-separated roles to run (default: all)')
    .option('--port <port>', 'HTTP port for /healthz, /readyz, /metrics and the API (default: PORT or 8080)')
    .action(async (options: { roles?: string; port?: string }) => {
      const config = loadConfig();
      const logger = createLogger(config.logLevel);
      const runtime = new Runtime(config, logger);
      const roles = options.roles?.split(',').map((r) => r.trim()).filter(Boolean);
      const port = options.port === undefined ? undefined : portOption(options.port);
      const service = new MarsService({ config, logger, runtime, roles, port });

      let stopping: Promise<void> | undefined;
      const stopped = new Promise<string>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          if (stopping) {
            logger.warn({ signal }, 'second signal: stopping at once');
            process.exit(1);
          }
          resolve(signal);
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });

      try {
        await service.start();
        process.stdout.write(`mars serve: ${service.http.url} (roles: ${(roles ?? ROLES.map((r) => r.name)).join(', ')})\n`);
        const signal = await stopped;
        logger.info({ signal }, 'draining');
      } catch (error) {
        logger.error({ error: errorMessage(error) }, 'mars serve could not start');
        process.stderr.write(`mars serve: could not start: ${errorMessage(error)}\n`);
        process.exitCode = 1;
      } finally {
        stopping = service.close().finally(() => runtime.close());
        await stopping.catch((error: unknown) => {
          logger.error({ error: errorMessage(error) }, 'shutdown was not clean');
          process.exitCode = 1;
        });
        logger.info({ exitCode: process.exitCode ?? 0 }, 'mars serve stopped');
      }
      // Client libraries may keep timers alive after closing; everything is drained by now.
      process.exit(process.exitCode ?? 0);
    });
}
