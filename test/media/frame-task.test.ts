import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFrameTask, type FrameTaskResult } from '../../src/media/frame-task.ts';
import { nasaFixtures, tempDir } from '../support/temp.ts';

type Decoded = Extract<FrameTaskResult, { ok: true }>;

describe('runFrameTask on real full-size frames', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir('mars-frame-task')));
  afterAll(async () => cleanup?.());

  // A PNG decodes at full size and is reduced; the same frame as JPEG decodes at 1/2 (1288 px)
  // or 1/4 (1648 px) scale in the DCT domain. Both must measure the frame alike.
  it.each([
    ['NLF_0670_0726421423_362ECM_N0320604NCAM08111_01_095J01.png', 1288, 968],
    ['ZL0_0053_0671642352_402ECM_N0032046ZCAM05025_110085J01.png', 1648, 1200],
    ['ZL0_0038_0670307360_057ECM_N0031392ZCAM08007_1100LUJ.png', 1648, 1200],
  ])('measures %s the same from its PNG and from a JPEG decoded at reduced scale', async (name, width, height) => {
    const png = path.join(nasaFixtures, 'images', name);
    const jpeg = path.join(dir, `${name}.jpg`);
    await writeFile(jpeg, await sharp(png).jpeg({ quality: 95 }).toBuffer());
    const task = { limitInputPixels: 50_000_000, tile: { width: 160, height: 120 } };
    const [full, reduced] = (await Promise.all([runFrameTask({ path: png, ...task }), runFrameTask({ path: jpeg, ...task })])) as Decoded[];
    for (const result of [full!, reduced!]) {
      expect(result).toMatchObject({ ok: true, width, height });
      expect(result.tile).toHaveLength(160 * 120 * 3);
      expect(result.frame).toBeUndefined();
    }
    const a = full!.metrics;
    const b = reduced!.metrics;
    expect(Math.abs(a.mean - b.mean)).toBeLessThan(1);
    expect(Math.abs(a.stdDev - b.stdDev)).toBeLessThan(0.5);
    expect(Math.abs(a.darkClipped - b.darkClipped)).toBeLessThan(0.005);
    expect(Math.abs(a.brightClipped - b.brightClipped)).toBeLessThan(0.005);
    expect(Math.abs(a.entropy - b.entropy)).toBeLessThan(0.05);
    expect(Math.abs(a.blurScore - b.blurScore)).toBeLessThan(0.01);
    expect(Math.abs(a.laplacianVariance - b.laplacianVariance) / a.laplacianVariance).toBeLessThan(0.15);
  });

  it('measures a frame alike whether or not it also makes the normalised output frame', async () => {
    const png = path.join(nasaFixtures, 'images', 'NLF_0670_0726421423_362ECM_N0320604NCAM08111_01_095J01.png');
    const jpeg = path.join(dir, 'navcam.jpg');
    await writeFile(jpeg, await sharp(png).jpeg({ quality: 90 }).toBuffer());
    const measured = (await runFrameTask({ path: jpeg, limitInputPixels: 50_000_000 })) as Decoded;
    const normalised = (await runFrameTask({ path: jpeg, limitInputPixels: 50_000_000, output: { width: 640, height: 640, fit: 'letterbox' } })) as Decoded;
    expect(normalised.frame).toHaveLength(640 * 640 * 3);
    expect(normalised.metrics).toEqual(measured.metrics);
    expect(normalised.pixelHash).toBe(measured.pixelHash);
  });

  it('refuses a frame above the pixel limit before decoding it', async () => {
    const png = path.join(nasaFixtures, 'images', 'NLF_0670_0726421423_362ECM_N0320604NCAM08111_01_095J01.png');
    expect(await runFrameTask({ path: png, limitInputPixels: 1288 * 968 - 1 })).toMatchObject({ ok: false, reason: 'too-many-pixels' });
  });
});
