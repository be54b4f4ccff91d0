import type { Command } from 'commander';
import { analyseFiles, type FileVerdict } from '../../media/analyse-files.ts';
import { ANALYSIS_TASKS_PER_THREAD, InlineFramePool, WorkerFramePool, type FramePool } from '../../media/frame-pool.ts';
import { QualityThresholdsSchema } from '../../timelapse/render-options.ts';
import { expected, formatIssues, ValidationError } from '../../platform/errors.ts';
import { DOWNLOAD_DEFAULTS } from '../../media/safe-download.ts';

/** Below this many files, starting worker threads costs more than it saves. */
export const POOL_FROM_FILES = 8;

export function parseThreshold(value: string, previous: Record<string, number>): Record<string, number> {
  const match = /^([A-Za-z]+)=(-?\d+(?:\.\d+)?)$/.exec(value);
  if (!match) throw new ValidationError(expected('name=number', '--threshold', value));
  return { ...previous, [match[1]!]: Number(match[2]) };
}

function printTable(verdicts: readonly FileVerdict[]): void {
  const width = Math.min(60, Math.max(4, ...verdicts.map((v) => v.file.length)));
  for (const v of verdicts) {
    const verdict = v.accepted ? 'kept    ' : 'rejected';
    const why = v.accepted ? '' : `${v.reason}: ${v.detail ?? ''}`;
    process.stdout.write(`${v.file.padEnd(width)}  ${verdict}  ${why}\n`);
  }
  const kept = verdicts.filter((v) => v.accepted).length;
  process.stdout.write(`${kept} kept, ${verdicts.length - kept} rejected\n`);
}

export function register(program: Command): void {
  const frames = program.command('frames').description('Frame quality tools');
  frames
    .command('analyze')
    .description('Analyse image files as one sequence, in the order given, with the same checks a render uses')
    .argument('<files...>', 'image files, in sequence order')
    .option('--json', 'print one JSON array: {file, accepted, reason, detail, metrics} per file')
    .option('--threshold <name=value>', 'override a quality threshold (repeatable), e.g. minEntropy=3', parseThreshold, {})
    .action(async (files: string[], opts: { json?: boolean; threshold: Record<string, number> }) => {
      const parsed = QualityThresholdsSchema.safeParse(opts.threshold);
      if (!parsed.success) {
        throw new ValidationError(`bad --threshold: ${formatIssues(parsed.error.issues)}`);
      }
      const pool: FramePool = files.length >= POOL_FROM_FILES ? new WorkerFramePool({ tasksPerThread: ANALYSIS_TASKS_PER_THREAD }) : new InlineFramePool();
      try {
        const verdicts = await analyseFiles(files, { pool, thresholds: parsed.data, limitInputPixels: DOWNLOAD_DEFAULTS.maxPixels });
        if (opts.json) process.stdout.write(`${JSON.stringify(verdicts, null, 2)}\n`);
        else printTable(verdicts);
      } finally {
        await pool.close();
      }
    });
}
