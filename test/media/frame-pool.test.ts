import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerFramePool } from '../../src/media/frame-pool.ts';
import { nasaFixtures, tempDir } from '../support/temp.ts';

describe('WorkerFramePool', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let files: string[];
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('mars-frame-pool'));
    // Crops of a real Mastcam-Z frame, as JPEG files.
    const source = path.join(nasaFixtures, 'images', 'ZL0_0053_0671642352_402ECM_N0032046ZCAM05025_110085J01.png');
    files = [];
    for (let i = 0; i < 16; i++) {
      const file = path.join(dir, `f${i}.jpg`);
      await writeFile(file, await sharp(source).extract({ left: i * 20, top: 0, width: 512, height: 512 }).jpeg({ quality: 90 }).toBuffer());
      files.push(file);
    }
  });
  afterAll(async () => cleanup?.());

  // The judge decides frames in order and asks for a window of them at once: a frame the pool
  // puts off keeps every decision after it, and the encoder, waiting.
  // One thread runs one frame at a time, so the order it finishes them in is the queue's order.
  it('finishes a window of frames asked for at once in the order they were asked for', async () => {
    const pool = new WorkerFramePool({ threads: 1 });
    try {
      const finished: number[] = [];
      await Promise.all(
        files.map((file, index) =>
          pool.run({ path: file, limitInputPixels: 1e8 }).then((result) => {
            expect(result.ok).toBe(true);
            finished.push(index);
          }),
        ),
      );
      expect(finished).toEqual(files.map((_, index) => index));
    } finally {
      await pool.close();
    }
  });

  // The encoder sends ffmpeg the bytes the judge measured, moved out of the worker thread.
  it('hands back the file it measured, byte for byte, with the tile, when asked to keep it', async () => {
    const pool = new WorkerFramePool({ threads: 1 });
    try {
      const kept = await pool.run({ path: files[3]!, limitInputPixels: 1e8, tile: { width: 160, height: 160 }, keepOriginal: true });
      const plain = await pool.run({ path: files[3]!, limitInputPixels: 1e8 });
      if (!kept.ok || !plain.ok) throw new Error('expected both frames to decode');
      expect(Buffer.from(kept.original!).equals(await readFile(files[3]!))).toBe(true);
      expect(kept.tile).toHaveLength(160 * 160 * 3);
      expect(kept.metrics).toEqual(plain.metrics);
      expect(plain.original).toBeUndefined();
    } finally {
      await pool.close();
    }
  });
});
