import cliProgress from 'cli-progress';
import type { IngestProgress } from './run-ingest.ts';

export interface ProgressReporter {
  update(progress: IngestProgress): void;
  stop(): void;
}

/**
 * Progress for a terminal: a bar (cli-progress) on a TTY, plain lines otherwise (CI logs, pipes),
 * always on the given stream (stderr), so stdout keeps only the closing summary.
 */
export function createProgressReporter(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: `${label} [{bar}] {value}/{total} {stage}`, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update({ done, total, stage }) {
        if (!started) {
          bar.start(total, done, { stage });
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(done, { stage });
        }
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let last = '';
  return {
    update({ done, total, stage }) {
      const line = `${label}: ${done}/${total} ${stage}`;
      if (line !== last) stream.write(`${line}\n`);
      last = line;
    },
    stop: () => undefined,
  };
}
