import { randomBytes } from 'node:crypto';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { parseSolRange } from '../../timelapse/ingest-request.ts';
import { ROVERS } from '../../timelapse/raw-objects.ts';
import { expected, formatIssues, ValidationError } from '../../platform/errors.ts';
import { RequestFollower, type FinalEvent } from '../../workers/timelapse/follow-request.ts';
import { TimelapseCommandSchema, type TimelapseCommand, type TimelapseEvent } from '../../timelapse/schemas.ts';
import { TimelapseTopics } from '../../timelapse/topics.ts';
import { withRuntime } from '../context.ts';

interface RequestOptions {
  rover: string;
  camera: string;
  sols: string;
  eye?: string;
  sequence?: string;
  fps?: string;
  width?: string;
  height?: string;
  format?: string;
  requestId?: string;
  wait?: boolean;
  timeout: string;
}

/** Shows a request's events: a bar on a TTY, one line per change otherwise; always on stderr. */
export function createEventDisplay(stream: NodeJS.WriteStream = process.stderr): { show(event: TimelapseEvent): void; stop(): void } {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: 'timelapse [{bar}] {percentage}% {stage}', hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      show(event) {
        if (!started) {
          bar.start(100, 0, { stage: event.status });
          started = true;
        }
        if (event.status === 'progress') bar.update(Math.round(event.fraction * 100), { stage: event.stage });
        else if (event.status === 'completed') bar.update(100, { stage: 'completed' });
        else bar.update({ stage: event.status });
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let last = '';
  return {
    show(event) {
      const line =
        event.status === 'progress'
          ? `timelapse ${event.requestId}: ${event.stage} ${Math.round(event.fraction * 100)}%`
          : event.status === 'accepted'
            ? `timelapse ${event.requestId}: accepted${event.frames !== undefined ? ` (${event.frames} candidate frames)` : ''}`
            : `timelapse ${event.requestId}: ${event.status}`;
      if (line !== last) stream.write(`${line}\n`);
      last = line;
    },
    stop: () => undefined,
  };
}

function intOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new ValidationError(expected('a whole number', `--${name}`, value));
  return Number(value);
}

/** The longest --timeout: a timer of more than 2^31-1 ms (about 24 days) fires at once instead. */
const MAX_WAIT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** How long --wait waits, in ms, from --timeout in seconds (1 s to about 24 days). */
export function waitTimeoutMs(value: string): number {
  const seconds = intOption('timeout', value)!;
  if (seconds < 1 || seconds > MAX_WAIT_SECONDS) {
    throw new ValidationError(expected(`a whole number of seconds between 1 and ${MAX_WAIT_SECONDS}`, '--timeout', value));
  }
  return seconds * 1000;
}

/** The command the options describe, checked with the same schema the handler uses. */
export function commandFromOptions(options: RequestOptions): TimelapseCommand {
  let sols: { solStart: number; solEnd: number };
  try {
    sols = parseSolRange(options.sols);
  } catch (error) {
    throw new ValidationError((error as Error).message);
  }
  const parsed = TimelapseCommandSchema.safeParse({
    requestId: options.requestId ?? `cli-${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`,
    rover: options.rover.toLowerCase(),
    camera: options.camera,
    ...sols,
    eye: options.eye,
    sequenceId: options.sequence,
    fps: intOption('fps', options.fps),
    width: intOption('width', options.width),
    height: intOption('height', options.height),
    format: options.format,
    requestedBy: 'cli',
  });
  if (!parsed.success) throw new ValidationError(`mars timelapse request: ${formatIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** Prints the outcome; returns the exit code. */
export function reportFinal(event: FinalEvent, out: NodeJS.WriteStream = process.stdout): number {
  if (event.status === 'completed') {
    out.write(
      `completed: ${event.framesAccepted} frames used, ${event.framesRejected} rejected, ${event.durationSeconds.toFixed(1)} s of video\n` +
        `key: ${event.keys.video}\nurl: ${event.url}\n`,
    );
    return 0;
  }
  process.stderr.write(`timelapse ${event.requestId} failed: ${event.reason}\n`);
  return 1;
}

export function register(program: Command): void {
  const timelapse = program.command('timelapse').description('request timelapses over Kafka (`timelapse-commands`)');
  timelapse
    .command('request')
    .description('publish a timelapse command; with --wait, follow its events to the end')
    .requiredOption('--rover <rover>', `one of ${ROVERS.join(', ')}`)
    .requiredOption('--camera <camera>', 'a camera family (NAVCAM, MAST, FHAZ) or an instrument (NAV_LEFT_B, NAVCAM_LEFT)')
    .requiredOption('--sols <range>', 'a sol or a range like 100-120')
    .option('--eye <eye>', 'left (default) or right: the eye a two-eyed family renders')
    .option('--sequence <id>', 'only the frames of this command sequence, e.g. NCAM00545')
    .option('--fps <n>', 'frames per second (default 10)')
    .option('--width <px>', 'output width (even)')
    .option('--height <px>', 'output height (even)')
    .option('--format <format>', 'mp4 (H.264, default) or webm (VP9)')
    .option('--request-id <id>', 'idempotency key (default: a new one); the same id never renders twice')
    .option('--wait', 'show progress and wait for the video; exit 0 with its key and URL, or 1 with the reason')
    .option('--timeout <seconds>', 'how long --wait waits', '900')
    .action(async (options: RequestOptions) => {
      const command = commandFromOptions(options);
      const timeoutMs = waitTimeoutMs(options.timeout);
      const code = await withRuntime(async ({ config, runtime }) => {
        if (!config.kafka.brokers) {
          throw new ValidationError(
            'KAFKA_BROKERS is unset: a command sent to a fresh embedded cluster would reach no service. ' +
              'Set KAFKA_BROKERS to the cluster `mars serve` or `mars start` uses (`mars start` prints it).',
          );
        }
        const kafka = await runtime.kafka();
        const producer = await runtime.producer();
        if (!options.wait) {
          await producer.publish(TimelapseTopics.commands, command, command.requestId);
          process.stdout.write(`published: ${command.requestId}\n`);
          return 0;
        }
        const display = createEventDisplay();
        const follower = new RequestFollower(kafka, command.requestId, { onEvent: (e) => display.show(e) });
        try {
          await follower.ready;
          await producer.publish(TimelapseTopics.commands, command, command.requestId);
          process.stderr.write(`published ${command.requestId}; waiting for its events\n`);
          const final = await follower.wait(timeoutMs);
          display.stop();
          return reportFinal(final);
        } finally {
          display.stop();
          await follower.close();
        }
      });
      process.exitCode = code;
    });
}
