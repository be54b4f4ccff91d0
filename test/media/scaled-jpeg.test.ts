import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it, onTestFinished } from 'vitest';
import { decodeScaledJpeg, nativeJpegDecoder } from '../../src/media/scaled-jpeg.ts';
import { nasaFixtures, tempDir } from '../support/temp.ts';

const framesDir = path.resolve(import.meta.dirname, '..', 'fixtures', 'frames');
const navcam = path.join(nasaFixtures, 'images', 'NLF_0670_0726421423_362ECM_N0320604NCAM08111_01_095J01.png');
const mastcam = path.join(nasaFixtures, 'images', 'ZL0_0053_0671642352_402ECM_N0032046ZCAM05025_110085J01.png');

/** What libvips gives for the same file and scale (its load option, as the general path asks): that path's pixels. */
async function viaLibvips(file: string, shrink: number) {
  const { data, info } = await sharp(shrink > 1 ? `${file}[shrink=${shrink}]` : file).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** JPEGs derived from real frames, in the shapes NASA's raw images come in. */
async function realJpegs(): Promise<Array<[string, Buffer]>> {
  const crop = sharp(mastcam).extract({ left: 101, top: 37, width: 1023, height: 769 });
  return [
    ['labelled pan frame', await readFile(path.join(framesDir, 'sequence', '00-pan.jpg'))],
    ['exposure drift frame', await readFile(path.join(framesDir, 'exposure', '00-drift.jpg'))],
    ['Navcam 4:2:0', await sharp(navcam).jpeg({ quality: 90 }).toBuffer()],
    ['Navcam grey', await sharp(navcam).greyscale().jpeg({ quality: 85 }).toBuffer()],
    ['Mastcam-Z 4:4:4 odd size', await crop.clone().jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer()],
    ['Mastcam-Z progressive odd size', await crop.clone().jpeg({ quality: 80, progressive: true }).toBuffer()],
  ];
}

describe('the native scaled JPEG decoder', () => {
  it('is built (npm test builds it; without it every frame is decoded through sharp, at twice the CPU time)', () => {
    expect(nativeJpegDecoder, 'native/build/scaled-jpeg.node is missing: apt-get install libturbojpeg0-dev, then node scripts/build-native.mjs').toBe(true);
  });

  it('gives exactly the pixels libvips gives, at every scale, for real frames', async () => {
    const { dir, cleanup } = await tempDir('mars-scaled-jpeg');
    onTestFinished(cleanup);
    for (const [index, [name, jpeg]] of (await realJpegs()).entries()) {
      const file = path.join(dir, `${index}.jpg`);
      await writeFile(file, jpeg);
      for (const shrink of [1, 2, 4, 8] as const) {
        const expected = await viaLibvips(file, shrink);
        const decoded = decodeScaledJpeg(jpeg, shrink);
        expect(decoded, `${name} at 1/${shrink}`).not.toBeNull();
        const { data, width, height, channels } = decoded!;
        // libjpeg's scaled size rounds up, as measuringScale predicts; libvips drops a last
        // partial row and column (the general path resizes to the rounded-up size).
        const { width: sourceWidth, height: sourceHeight } = await sharp(jpeg).metadata();
        expect([width, height, channels], `${name} at 1/${shrink}`).toEqual([Math.ceil(sourceWidth! / shrink), Math.ceil(sourceHeight! / shrink), expected.channels]);
        expect([expected.width, expected.height]).toEqual([Math.floor(sourceWidth! / shrink), Math.floor(sourceHeight! / shrink)]);
        const rows = Array.from({ length: expected.height }, (_, y) => data.subarray(y * width * channels, (y * width + expected.width) * channels));
        expect(Buffer.compare(Buffer.concat(rows), expected.data), `${name} at 1/${shrink}: pixels differ`).toBe(0);
      }
    }
  });

  it('leaves truncated, corrupt, CMYK and non-JPEG input to the general path', async () => {
    const jpeg = await sharp(navcam).jpeg({ quality: 90 }).toBuffer();
    const corrupt = Buffer.from(jpeg);
    // Marker bytes in the middle of the entropy-coded data: libjpeg warns and conceals.
    for (let i = corrupt.length >> 1; i < (corrupt.length >> 1) + 64; i += 2) corrupt[i] = 0xff;
    const cmyk = await sharp(navcam).toColourspace('cmyk').jpeg().toBuffer();
    expect(decodeScaledJpeg(jpeg.subarray(0, jpeg.length >> 1), 4)).toBeNull();
    expect(decodeScaledJpeg(corrupt, 4)).toBeNull();
    expect(decodeScaledJpeg(cmyk, 4)).toBeNull();
    expect(decodeScaledJpeg(await readFile(navcam), 4)).toBeNull();
    // And it still decodes afterwards.
    expect(decodeScaledJpeg(jpeg, 8)).toMatchObject({ width: 161, height: 121, channels: 3 });
  });
});
