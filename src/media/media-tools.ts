import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import type { Config } from '../platform/config.ts';
import { MarsError } from '../platform/errors.ts';

const require = createRequire(import.meta.url);

export interface MediaTools {
  ffmpegPath: string;
  ffprobePath: string;
}

function executable(path: string, what: string, variable: string): string {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new MarsError(
      `${what} at ${path} is missing or not executable: set ${variable}, or reinstall the npm packages (npm ci), whose install step makes it executable`,
      'MEDIA_TOOL_MISSING',
    );
  }
  return path;
}

/** ffmpeg and ffprobe: FFMPEG_PATH/FFPROBE_PATH when set, else the binaries shipped in npm packages. */
export function resolveMediaTools(config: Pick<Config, 'ffmpegPath' | 'ffprobePath'>): MediaTools {
  const ffmpegPath = config.ffmpegPath ?? (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  const ffprobePath = config.ffprobePath ?? (require('@ffprobe-installer/ffprobe') as { path: string }).path;
  return {
    ffmpegPath: executable(ffmpegPath, 'ffmpeg', 'FFMPEG_PATH'),
    ffprobePath: executable(ffprobePath, 'ffprobe', 'FFPROBE_PATH'),
  };
}
