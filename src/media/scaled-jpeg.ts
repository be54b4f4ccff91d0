import { createRequire } from 'node:module';
import { z } from 'zod';

/**
 * The native JPEG decoder (native/scaled-jpeg.c, built by scripts/build-native.mjs): libjpeg-turbo
 * decoding at 1/1, 1/2, 1/4 or 1/8 scale in the DCT domain, synchronously, into a buffer this
 * module keeps. The pixels are those libvips gives for the same file and scale (both run
 * libjpeg-turbo's scaled inverse DCT with its default upsampling; libvips drops the last
 * partial row and column where the shrink does not divide the size), at about 3 ms of CPU for a
 * 1024x1024 frame at 1/4 instead of about 7 through sharp, whose decode hops between three
 * threads and allocates its output each time. Optional: without it (not built) every frame
 * goes through sharp.
 */

interface NativeDecoder {
  decode(jpeg: Uint8Array, shrink: number, out: Uint8Array): unknown;
}

const DecodeResultSchema = z.union([
  z.object({ width: z.number().int().positive(), height: z.number().int().positive(), channels: z.union([z.literal(1), z.literal(3)]) }),
  z.object({ needed: z.number().int().positive() }),
  z.object({ error: z.string() }),
]);

function loadDecoder(): NativeDecoder | null {
  try {
    return createRequire(import.meta.url)('../../native/build/scaled-jpeg.node') as NativeDecoder;
  } catch {
    return null;
  }
}

const decoder = loadDecoder();

/** Whether the native decoder is built and loaded. */
export const nativeJpegDecoder = decoder !== null;

/** Reused across frames: the pixels are read synchronously and let go of before the next decode. */
let scratch = new Uint8Array(0);

export interface ScaledPixels {
  /** Interleaved 8-bit pixels, valid only until the next decode on this thread. */
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/**
 * A JPEG's pixels at 1/`shrink` of its size, or null when the native decoder is not built or
 * the file is anything but a clean baseline or progressive RGB or grey JPEG (a libjpeg
 * warning, a truncated or corrupt stream, CMYK): the caller decodes those the general way,
 * which decides what such a file is.
 */
export function decodeScaledJpeg(jpeg: Uint8Array, shrink: 1 | 2 | 4 | 8): ScaledPixels | null {
  if (!decoder) return null;
  for (;;) {
    const result = DecodeResultSchema.parse(decoder.decode(jpeg, shrink, scratch));
    if ('error' in result) return null;
    if ('needed' in result) {
      scratch = new Uint8Array(result.needed);
      continue;
    }
    return { data: scratch.subarray(0, result.width * result.height * result.channels), ...result };
  }
}
