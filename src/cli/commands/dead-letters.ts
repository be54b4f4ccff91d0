import type { Command } from 'commander';
import { z } from 'zod';
import { authorizationHeader } from '../../http/api-guard.ts';
import { formatTable } from '../../warehouse/format-table.ts';
import { ensureOpsSchema, listDeadLetters, OpsStore, type DeadLetterRow } from '../../warehouse/ops/ops-store.ts';
import { replayDeadLetter, type ReplayOutcome } from '../../warehouse/ops/replay-dead-letter.ts';
import { openWarehouseOrService, ServiceWarehouse } from '../../warehouse/service-warehouse.ts';
import { age } from '../../web/pages/pipeline-page.ts';
import { withRuntime, type CommandContext } from '../context.ts';

interface Filter {
  reason?: string;
  topic?: string;
}

const ReplayAnswerSchema = z.union([
  z.object({ status: z.literal('replayed'), letter: z.object({ letterId: z.string(), topic: z.string() }).passthrough() }),
  z.object({ status: z.enum(['refused', 'not-found']), letterId: z.string(), reason: z.string().optional() }),
]);

/** Through the `mars serve` that holds the warehouse, or here with our own producer. */
interface Replayer {
  replay: (letterId: string) => Promise<ReplayOutcome>;
  letters: (filter: Filter) => Promise<DeadLetterRow[]>;
  close: () => Promise<void>;
}

async function replayer(ctx: CommandContext): Promise<Replayer> {
  const warehouse = await openWarehouseOrService(ctx.config);
  const letters = (filter: Filter) => listDeadLetters(warehouse, { ...filter, limit: 10_000 });
  if (warehouse instanceof ServiceWarehouse) {
    return {
      letters,
      close: () => warehouse.close(),
      replay: async (letterId) => {
        const response = await fetch(new URL('/api/dead-letters/replay', warehouse.serviceUrl), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'mars-timelapse', ...authorizationHeader(warehouse.token) },
          body: JSON.stringify({ letterId }),
        });
        return ReplayAnswerSchema.parse(await response.json()) as ReplayOutcome;
      },
    };
  }
  if (!ctx.config.kafka.brokers) {
    await warehouse.close();
    throw new Error('set KAFKA_BROKERS to the cluster the letters came from (or run this beside the mars serve that holds the warehouse)');
  }
  const producer = await ctx.runtime.producer();
  const ops = new OpsStore(warehouse);
  return { letters, close: () => warehouse.close(), replay: (letterId) => replayDeadLetter({ ops, send: (topic, value, key) => producer.sendRaw(topic, value, key ?? undefined) }, letterId, 'mars dead-letters') };
}

export function register(program: Command): void {
  const letters = program.command('dead-letters').description('messages the pipeline gave up on (MARS_OPS.DEAD_LETTERS), and replaying them');

  letters
    .command('list')
    .description('list dead letters, newest first: id, reason, original topic, age, whether replayed, detail')
    .option('--reason <reason>', 'only this reason (invalid-json, invalid-schema, handler-failed, retries-exhausted)')
    .option('--topic <topic>', 'only letters from this topic')
    .option('--json', 'print them as JSON')
    .action(async (options: Filter & { json?: boolean }) => {
      const rows = await withRuntime(async (ctx) => {
        const warehouse = await openWarehouseOrService(ctx.config);
        try {
          // A warehouse of our own may not have MARS_OPS yet (nothing dead-lettered ever).
          if (!(warehouse instanceof ServiceWarehouse)) await ensureOpsSchema(warehouse);
          return await listDeadLetters(warehouse, { reason: options.reason, topic: options.topic, limit: 10_000 });
        } finally {
          await warehouse.close();
        }
      });
      if (options.json) return void process.stdout.write(`${JSON.stringify(rows)}\n`);
      const now = Date.now();
      const table = rows.map((r) => ({ letter: r.letterId, reason: r.reason, topic: r.topic, age: age(r.deadLetteredAt, now), replayed: r.replayedAt ?? '', detail: r.detail.slice(0, 80) }));
      process.stdout.write(rows.length > 0 ? `${formatTable(table)}\n` : 'no dead letters\n');
    });

  letters
    .command('replay [letters...]')
    .description('re-publish each letter\'s original message to its original topic, once; with --reason/--topic, every matching letter not replayed yet')
    .option('--reason <reason>', 'letters with this reason')
    .option('--topic <topic>', 'letters from this topic')
    .action(async (ids: string[], options: Filter) => {
      if (ids.length === 0 && !options.reason && !options.topic) throw new Error('name the letters to replay (see mars dead-letters list), or pick them with --reason and/or --topic');
      const outcomes = await withRuntime(async (ctx) => {
        const { replay, letters, close } = await replayer(ctx);
        try {
          const chosen = ids.length > 0 ? ids : (await letters(options)).filter((l) => l.replayedAt === null).map((l) => l.letterId);
          const out: ReplayOutcome[] = [];
          for (const id of chosen) out.push(await replay(id));
          return out;
        } finally {
          await close();
        }
      });
      for (const outcome of outcomes) {
        if (outcome.status === 'replayed') process.stdout.write(`replayed ${outcome.letter.letterId} to ${outcome.letter.topic}\n`);
        else process.stdout.write(`REFUSED ${outcome.letterId}: ${outcome.status === 'refused' ? outcome.reason : 'no such letter'}\n`);
      }
      if (outcomes.length === 0) process.stdout.write('nothing to replay\n');
      if (outcomes.some((o) => o.status !== 'replayed')) process.exitCode = 1;
    });
}
