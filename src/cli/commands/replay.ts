import type { Command } from 'commander';
import { loadConfig } from '../../platform/config.ts';
import { createLogger } from '../../platform/logger.ts';
import { parseFailFirst } from '../../ingest/replay/faults.ts';
import { startReplayServer } from '../../ingest/replay/replay-server.ts';
import { portOption } from '../port-option.ts';

interface ReplayOptions {
  dir: string[];
  port: string;
  host: string;
  serveImages?: boolean;
  failFirst?: string;
}

export function register(program: Command): void {
  program
    .command('replay')
    .description("serve recorded NASA responses and images from folders, in the sources' own paths, for offline runs and tests")
    .requiredOption('--dir <folder>', 'a folder of recorded responses (repeat to layer folders; the first wins)', (value: string, all: string[]) => [...all, value], [])
    .option('--port <port>', 'port to listen on (0: any free port)', '0')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--serve-images', 'rewrite image URLs in served JSON to this server where the folder has images/<file name>')
    .option('--fail-first <statuses>', 'answer every URL first with these errors, e.g. 429,500 (429:N sends Retry-After: N)')
    .addHelpText(
      'after',
      '\nFolder layout: photos/<rover>_sol<N>.json, manifests/manifest_<rover>.json, traverse/<M20|MSL>_<layer>.json,\n' +
        'feeds/mars2020/sol<N>.json, feeds/msl/sol<N>.json, images/<file>. test/fixtures/nasa is such a folder.',
    )
    .action(async (options: ReplayOptions) => {
      const port = portOption(options.port);
      const config = loadConfig();
      const logger = createLogger(config.logLevel);
      const server = await startReplayServer({
        dir: options.dir,
        port,
        host: options.host,
        serveImages: options.serveImages ?? false,
        faults: options.failFirst ? parseFailFirst(options.failFirst) : undefined,
        logger,
      });
      process.stdout.write(`${server.url}\n`);
      process.stderr.write(
        `replay: serving ${options.dir.join(', ')}; point the sources at it with\n` +
          `  NASA_API_BASE_URL=${server.url} MARS_RAW_BASE_URL=${server.url} MMGIS_BASE_URL=${server.url}\n` +
          'Ctrl-C stops it.\n',
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });
}
