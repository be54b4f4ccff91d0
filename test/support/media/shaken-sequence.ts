import path from 'node:path';
import sharp from 'sharp';
import { nasaFixtures } from '../temp.ts';
import { seededRandom } from './video-frames.ts';

/** The real Navcam frame (sol 731, 1288x968) shaken sequences are cut from. */
export const SHAKE_SOURCE = path.join(nasaFixtures, 'images', 'NRF_0731_0731848568_991ECM_N0361610NCAM12731_04_195J01.png');

/**
 * Frames of a camera shaking by up to ±20 px: windows of width x height around a spot with
 * horizon and ground, each moved by a seeded random shake, as JPEG buffers; and the shake.
 */
export async function shakenFrames(count: number, width: number, height: number, seed = 13) {
  const source = await sharp(SHAKE_SOURCE).greyscale().raw().toBuffer({ resolveWithObject: true });
  const random = seededRandom(seed);
  const shake = Array.from({ length: count }, () => ({ x: Math.round(random() * 40 - 20), y: Math.round(random() * 40 - 20) }));
  const jpegs: Buffer[] = [];
  for (const s of shake) {
    jpegs.push(
      await sharp(source.data, { raw: source.info })
        .extract({ left: 420 + s.x, top: 330 + s.y, width, height })
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
  }
  return { jpegs, shake };
}
