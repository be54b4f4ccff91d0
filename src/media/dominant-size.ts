import { open } from 'node:fs/promises';
import sharp from 'sharp';
import { sniffImageType } from './image-type.ts';

export interface Size {
  width: number;
  height: number;
}

export interface ImageHeader extends Size {
  format: string;
}

/** Reads only an image file's header (no decode): its size and format, or null when it is no image. */
export async function readImageHeader(path: string): Promise<ImageHeader | null> {
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return null;
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(16);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (!sniffImageType(head)) return null;
  try {
    // libvips reads the header only for metadata.
    const meta = await sharp(path).metadata();
    return meta.width && meta.height ? { width: meta.width, height: meta.height, format: meta.format ?? 'unknown' } : null;
  } catch {
    return null;
  }
}

/**
 * The size most frames of the sequence have: thumbnails and subframes downlinked among the
 * full frames are the odd ones out. Ties go to the larger frame.
 */
export function dominantSize(sizes: ReadonlyArray<Size | null>): Size | null {
  const counts = new Map<string, { size: Size; count: number }>();
  for (const size of sizes) {
    if (!size) continue;
    const key = `${size.width}x${size.height}`;
    const entry = counts.get(key) ?? { size, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  let best: { size: Size; count: number } | null = null;
  for (const entry of counts.values()) {
    if (
      !best ||
      entry.count > best.count ||
      (entry.count === best.count && entry.size.width * entry.size.height > best.size.width * best.size.height)
    ) {
      best = entry;
    }
  }
  return best?.size ?? null;
}

/** Default output size: the dominant size scaled down to fit `maxWidth`, both sides even. */
export function defaultOutputSize(source: Size, maxWidth = 1280, requested: Partial<Size> = {}): Size {
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  if (requested.width && requested.height) return { width: requested.width, height: requested.height };
  if (requested.width) return { width: requested.width, height: even((requested.width * source.height) / source.width) };
  if (requested.height) return { width: even((requested.height * source.width) / source.height), height: requested.height };
  const scale = Math.min(1, maxWidth / source.width);
  return { width: even(source.width * scale), height: even(source.height * scale) };
}
