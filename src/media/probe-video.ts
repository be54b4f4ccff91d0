import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';
import { MarsError } from '../platform/errors.ts';

const run = promisify(execFile);

const ProbeSchema = z.object({
  streams: z
    .array(
      z.object({
        codec_name: z.string(),
        pix_fmt: z.string().optional(),
        width: z.number(),
        height: z.number(),
        nb_read_packets: z.string().optional(),
      }),
    )
    .min(1),
  format: z.object({ duration: z.string().optional(), format_name: z.string() }),
});

export interface VideoProbe {
  codec: string;
  pixFmt: string | null;
  width: number;
  height: number;
  frames: number;
  durationSeconds: number;
  container: string;
}

/**
 * Reads a video's first stream with ffprobe. Frames are counted from packets, which reads the
 * container without decoding: exact for these intra/inter-coded streams, and fast.
 */
export async function probeVideo(ffprobePath: string, file: string): Promise<VideoProbe> {
  let stdout: string;
  try {
    ({ stdout } = await run(
      ffprobePath,
      ['-v', 'error', '-count_packets', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,pix_fmt,width,height,nb_read_packets:format=duration,format_name', '-of', 'json', file],
      { maxBuffer: 1024 * 1024 },
    ));
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    throw new MarsError(`ffprobe cannot read ${file}: ${stderr.trim().split('\n').slice(-5).join(' ')}`, 'PROBE_FAILED');
  }
  const parsed = ProbeSchema.parse(JSON.parse(stdout));
  const stream = parsed.streams[0]!;
  return {
    codec: stream.codec_name,
    pixFmt: stream.pix_fmt ?? null,
    width: stream.width,
    height: stream.height,
    frames: Number(stream.nb_read_packets ?? 0),
    durationSeconds: Number(parsed.format.duration ?? 0),
    container: parsed.format.format_name,
  };
}
