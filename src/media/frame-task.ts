import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp, { type OutputInfo } from 'sharp';
import { z } from 'zod';
import { analysisPlane, measureLuma, type FrameMetrics } from './frame-metrics.ts';
import { looksComplete, sniffImageType } from './image-type.ts';

/**
 * The per-frame work of the pipeline, run in a worker thread of the pool (or inline): decode
 * once, measure, and, for frames of the expected size, produce the normalised RGB frame and a
 * contact-sheet tile from the same decoded pixels.
 */

export const FrameTaskSchema = z.object({
  path: z.string().min(1),
  /** Refuse to decode images above this many pixels (decompression bombs). */
  limitInputPixels: z.number().int().positive(),
  /** The sequence's dominant source size: only frames of this size are normalised. */
  expected: z.object({ width: z.number().int(), height: z.number().int() }).optional(),
  /** The output frame; omitted when only metrics are wanted. */
  output: z.object({ width: z.number().int(), height: z.number().int(), fit: z.enum(['letterbox', 'crop']) }).optional(),
  /** Contact-sheet tile size; omitted for no tile. */
  tile: z.object({ width: z.number().int(), height: z.number().int() }).optional(),
});
export type FrameTask = z.infer<typeof FrameTaskSchema>;

export type DecodeFailure = 'not-an-image' | 'truncated' | 'too-many-pixels' | 'undecodable';

export type FrameTaskResult =
  | { ok: false; reason: DecodeFailure; detail: string; bytes: number }
  | {
      ok: true;
      format: string;
      width: number;
      height: number;
      channels: number;
      bytes: number;
      metrics: FrameMetrics;
      /** sha1 of the decoded pixels: equal for the same exposure, whatever the file around it. */
      pixelHash: string;
      /** Normalised frame, RGB 8-bit, output.width x output.height. */
      frame?: Uint8Array;
      /** Contact-sheet tile, RGB 8-bit, tile.width x tile.height. */
      tile?: Uint8Array;
    };

function classifyDecodeError(message: string): DecodeFailure {
  if (/pixel limit/i.test(message)) return 'too-many-pixels';
  if (/premature end|truncat|unexpected end|end of (file|stream|data)|read error|not enough data/i.test(message)) return 'truncated';
  return 'undecodable';
}

const BLACK = { r: 0, g: 0, b: 0 };

async function toRgb(
  pixels: Buffer,
  info: { width: number; height: number; channels: 1 | 2 | 3 | 4 },
  width: number,
  height: number,
  fit: 'letterbox' | 'crop',
): Promise<Uint8Array> {
  if (info.channels === 3 && info.width === width && info.height === height) return pixels;
  return sharp(pixels, { raw: info })
    .resize(width, height, { fit: fit === 'crop' ? 'cover' : 'contain', background: BLACK, kernel: 'lanczos3' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer();
}

async function contactTile(input: Buffer, width: number, height: number): Promise<Uint8Array> {
  return sharp(input)
    .resize(width, height, { fit: 'contain', background: BLACK })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer();
}

export async function runFrameTask(task: FrameTask): Promise<FrameTaskResult> {
  const input = await readFile(task.path);
  const type = sniffImageType(input);
  if (!type) {
    return { ok: false, reason: 'not-an-image', detail: 'the bytes do not start with a known image signature', bytes: input.length };
  }
  if (!looksComplete(input, type)) {
    return { ok: false, reason: 'truncated', detail: `the ${type.format.toUpperCase()} data stops before its end marker`, bytes: input.length };
  }
  let decoded: { data: Buffer; info: OutputInfo };
  let format: string;
  try {
    const image = sharp(input, { failOn: 'truncated', limitInputPixels: task.limitInputPixels }).removeAlpha();
    format = (await image.metadata()).format ?? 'unknown';
    decoded = await image.raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    return { ok: false, reason: classifyDecodeError(detail), detail, bytes: input.length };
  }
  const { data, info } = decoded;
  const channels = info.channels as 1 | 2 | 3 | 4;
  const metrics = measureLuma(analysisPlane(data, info.width, info.height, channels));
  const pixelHash = createHash('sha1').update(data).digest('hex');
  const raw = { width: info.width, height: info.height, channels };
  const sizeMatches = !task.expected || (task.expected.width === info.width && task.expected.height === info.height);
  const frame =
    task.output && sizeMatches ? await toRgb(data, raw, task.output.width, task.output.height, task.output.fit) : undefined;
  // The tile decodes the file again, but JPEG shrink-on-load makes that an eighth-scale decode:
  // cheaper than resizing the full decoded frame.
  const tile = task.tile ? await contactTile(input, task.tile.width, task.tile.height) : undefined;
  return { ok: true, format, width: info.width, height: info.height, channels, bytes: input.length, metrics, pixelHash, frame, tile };
}
