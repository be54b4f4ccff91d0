import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { nasaFixtures } from '../temp.ts';

/** The real Mastcam-Z frame (1648x1200) the generated sequences pan across. */
export const SEQUENCE_SOURCE = path.join(nasaFixtures, 'images', 'ZL0_0053_0671642352_402ECM_N0032046ZCAM05025_110085J01.png');

/**
 * Derives `count` frames of width x height from a real rover frame: windows panning across it
 * (left to right, bobbing up and down, so consecutive frames differ but stay alike), as JPEG buffers.
 */
export async function* panFrames(count: number, width: number, height: number, source = SEQUENCE_SOURCE): AsyncGenerator<Buffer> {
  const original = await sharp(source).raw().toBuffer({ resolveWithObject: true });
  // Crop windows of the output aspect, a little larger than the output, then scale down.
  const cropWidth = Math.min(original.info.width - 40, Math.round(width * 2));
  const cropHeight = Math.round((cropWidth * height) / width);
  const spanX = original.info.width - cropWidth;
  const spanY = original.info.height - cropHeight;
  for (let i = 0; i < count; i++) {
    const left = Math.round((spanX * i) / Math.max(1, count - 1));
    const top = Math.round(spanY * (0.5 + 0.5 * Math.sin(i / 9)));
    yield sharp(original.data, { raw: original.info })
      .extract({ left, top, width: cropWidth, height: cropHeight })
      .resize(width, height)
      .jpeg({ quality: 85 })
      .toBuffer();
  }
}

/** Writes panFrames as f0000.jpg, f0001.jpg, ... into dir; returns the paths. */
export async function writePanFrames(dir: string, count: number, width: number, height: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  let i = 0;
  for await (const frame of panFrames(count, width, height)) {
    const file = path.join(dir, `f${String(i++).padStart(4, '0')}.jpg`);
    await writeFile(file, frame);
    files.push(file);
  }
  return files;
}
