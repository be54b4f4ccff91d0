import type { Command } from 'commander';
import { InlineFramePool, WorkerFramePool, type FramePool } from '../../media/frame-pool.ts';
import { resolveMediaTools } from '../../media/media-tools.ts';
import { renderFiles, type RenderFilesResult } from '../../media/render-files.ts';
import { loadConfig } from '../../platform/config.ts';
import { formatIssues, ValidationError } from '../../platform/errors.ts';
import { RenderOptionsSchema } from '../../timelapse/render-options.ts';
import { parseThreshold, POOL_FROM_FILES } from './frames.ts';

interface RenderFlags {
  out: string;
  fps?: string;
  stabilise?: boolean;
  smoothing?: string;
  mode?: string;
  window?: string;
  layout?: string;
  json?: boolean;
  threshold: Record<string, number>;
}

function printReport(result: RenderFilesResult): void {
  const width = Math.min(60, Math.max(4, ...result.verdicts.map((v) => v.file.length)));
  for (const v of result.verdicts) {
    if (!v.accepted) process.stdout.write(`${v.file.padEnd(width)}  rejected  ${v.reason}: ${v.detail ?? ''}\n`);
  }
  const { probe } = result;
  process.stdout.write(
    `${result.framesAccepted} frames used, ${result.framesRejected} rejected\n` +
      `video: ${result.video} (${result.view}, ${probe.codec} ${probe.width}x${probe.height}, ${probe.frames} frames, ${probe.durationSeconds.toFixed(2)} s)\n` +
      `manifest: ${result.manifest}\n`,
  );
  const stabilisation = result.views?.stabilisation as { meanCorrection: number; maxCorrection: number; zoom: number } | undefined;
  if (stabilisation) {
    process.stdout.write(`stabilised: mean correction ${stabilisation.meanCorrection} px, largest ${stabilisation.maxCorrection} px, zoom ${stabilisation.zoom}\n`);
  }
}

export function register(program: Command): void {
  program
    .command('render')
    .description('Render local image files, in the order given, into a video: the same judge, stabiliser and encoder as the service, no services needed')
    .argument('<files...>', 'image files, in sequence order')
    .requiredOption('--out <file>', 'the video to write (.mp4 or .webm); its manifest goes beside it as <name>.manifest.json')
    .option('--fps <n>', 'frames per second (default 10)')
    .option('--stabilise', 'align the frames (phase correlation), smooth the camera path and zoom to hide the borders')
    .option('--smoothing <frames>', 'frames either side the camera path is averaged over; 0 holds every frame on the first (default 15)')
    .option('--mode <mode>', 'normal, or motion: each frame minus the running median of its neighbours (default normal)')
    .option('--window <frames>', 'frames in the motion view\'s running median, odd (default 9)')
    .option('--layout <layout>', 'the motion view alone (single) or beside the frame (side-by-side) (default single)')
    .option('--threshold <name=value>', 'override a quality threshold (repeatable), e.g. minEntropy=3', parseThreshold, {})
    .option('--json', 'print the report as one JSON object')
    .action(async (files: string[], flags: RenderFlags) => {
      const number = (value?: string) => (value === undefined ? undefined : Number(value));
      const parsed = RenderOptionsSchema.safeParse({
        fps: number(flags.fps),
        stabilise: flags.stabilise ?? false,
        smoothing: number(flags.smoothing),
        mode: flags.mode,
        motionWindow: number(flags.window),
        layout: flags.layout,
        quality: flags.threshold,
      });
      if (!parsed.success) {
        throw new ValidationError(`bad option: ${formatIssues(parsed.error.issues)}`);
      }
      const config = loadConfig();
      const tools = resolveMediaTools(config);
      const pool: FramePool = files.length >= POOL_FROM_FILES ? new WorkerFramePool() : new InlineFramePool();
      try {
        const result = await renderFiles({ files, out: flags.out, options: parsed.data }, { pool, ...tools });
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify(
              {
                video: result.video,
                manifest: result.manifest,
                view: result.view,
                framesAccepted: result.framesAccepted,
                framesRejected: result.framesRejected,
                output: result.probe,
                views: result.views,
                frames: result.verdicts,
              },
              null,
              2,
            )}\n`,
          );
        } else {
          printReport(result);
        }
      } finally {
        await pool.close();
      }
    });
}
