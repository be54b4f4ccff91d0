import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFrameTask, type FrameTaskResult } from '../../src/media/frame-task.ts';
import { SequenceJudge } from '../../src/media/quality-judge.ts';
import { QualityThresholdsSchema } from '../../src/timelapse/render-options.ts';
import { nasaFixtures, tempDir } from '../support/temp.ts';

type Decoded = Extract<FrameTaskResult, { ok: true }>;

describe('runFrameTask on real full-size frames', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir('mars-frame-task')));
  afterAll(async () => cleanup?.());

  // A PNG decodes at full size and is reduced; the same frame as JPEG decodes at 1/4 scale in
  // the DCT domain (1288 and 1648 px). Both must measure the frame alike.
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

  it('measures a JPEG alike whether libvips decodes it at reduced scale from its path or the path has brackets', async () => {
    const png = path.join(nasaFixtures, 'images', 'ZL0_0053_0671642352_402ECM_N0032046ZCAM05025_110085J01.png');
    const body = await sharp(png).jpeg({ quality: 90 }).toBuffer();
    const plain = path.join(dir, 'mastcam.jpg');
    const bracketed = path.join(dir, 'mastcam[shrink=8].jpg');
    await Promise.all([writeFile(plain, body), writeFile(bracketed, body)]);
    const [a, b] = (await Promise.all([plain, bracketed].map((file) => runFrameTask({ path: file, limitInputPixels: 50_000_000 })))) as Decoded[];
    expect(b).toMatchObject({ ok: true, width: 1648, height: 1200 });
    expect(Math.abs(a!.metrics.blurScore - b!.metrics.blurScore)).toBeLessThan(0.01);
    expect(Math.abs(a!.metrics.mean - b!.metrics.mean)).toBeLessThan(1);
  });

  // 1024-pixel frames (Curiosity's Navcam, the MER cameras) are measured at 1/4 scale, 256 px:
  // a defocused one must still stand out from its sharp neighbours.
  it('rejects a defocused 1024x1024 frame among sharp ones as blurred', async () => {
    const source = sharp(path.join(nasaFixtures, 'images', 'ZL0_0053_0671642352_402ECM_N0032046ZCAM05025_110085J01.png'));
    const files: string[] = [];
    for (let i = 0; i < 9; i++) {
      const window = source.clone().extract({ left: 200 + i * 40, top: 100, width: 1024, height: 1024 });
      const file = path.join(dir, `pan-${i}.jpg`);
      await writeFile(file, await (i === 4 ? window.blur(6) : window).jpeg({ quality: 90 }).toBuffer());
      files.push(file);
    }
    const judge = new SequenceJudge({ width: 1024, height: 1024 }, QualityThresholdsSchema.parse({}));
    const decisions = [];
    for (const file of files) {
      const result = (await runFrameTask({ path: file, limitInputPixels: 50_000_000 })) as Decoded;
      decisions.push(...judge.push({ ok: true, width: result.width, height: result.height, metrics: result.metrics, pixelHash: result.pixelHash }));
    }
    decisions.push(...judge.finish());
    expect(decisions.map((d) => d.reason)).toEqual([null, null, null, null, 'blurred', null, null, null, null]);
  });
});
