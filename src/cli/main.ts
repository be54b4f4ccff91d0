import { Command, CommanderError } from 'commander';
import { ConfigError } from '../platform/config.ts';

/**
 * The `mars` command. Each sub-command lives in `commands/<name>.ts` and registers itself;
 * they all share the same handlers the long-running service uses.
 */
export async function main(argv: string[]): Promise<void> {
  // A reader that stops early (`mars query … | head`) closes the pipe: what is left to print has
  // no reader, but the command still finishes its work (an ingest, a render) rather than dying
  // mid-way on an unhandled EPIPE.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  const program = new Command('mars')
    .description('Turns NASA Mars rover data into timelapse videos you can request, watch and trace.')
    .showHelpAfterError()
    .exitOverride();

  const commands = await Promise.all([
    import('./commands/ingest.ts'),
    import('./commands/replay.ts'),
    import('./commands/warehouse.ts'),
    import('./commands/query.ts'),
    import('./commands/frames.ts'),
    import('./commands/render.ts'),
    import('./commands/serve.ts'),
    import('./commands/timelapse.ts'),
    import('./commands/start.ts'),
    import('./commands/dead-letters.ts'),
  ]);
  for (const command of commands) command.register(program);

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nFix the variables above and run the command again.\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`mars: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
