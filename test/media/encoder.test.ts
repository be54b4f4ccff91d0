import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captionText, drawCaption } from '../../src/media/caption.ts';
import { EncodeError, filterChain, FrameEncoder } from '../../src/media/ffmpeg-encoder.ts';
import { declaredSize, looksComplete, sniffImageType } from '../../src/media/image-type.ts';
import { probeVideo } from '../../src/media/probe-video.ts';
import { tempDir } from '../support/temp.ts';

const require = createRequire(import.meta.url);
const ffmpegPath = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
const ffprobePath = (require('@ffprobe-installer/ffprobe') as { path: string }).path;

describe('FrameEncoder', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir('mars-encoder')));
  afterAll(() => cleanup());

  it('encodes raw frames to an MP4 that ffprobe reads with the frame count written', async () => {
    const out = path.join(dir, 'a.mp4');
    const encoder = new FrameEncoder({ ffmpegPath, input: { kind: 'raw' }, fit: 'letterbox', levelFrames: 0, width: 64, height: 48, fps: 5, format: 'mp4', crf: 30, preset: 'ultrafast', outputPath: out });
    for (let i = 0; i < 15; i++) await encoder.write(new Uint8Array(64 * 48 * 3).fill(i * 10));
    await encoder.finish();
    expect(encoder.framesWritten).toBe(15);
    expect(await probeVideo(ffprobePath, out)).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: 64, height: 48, frames: 15, durationSeconds: 3 });
  });

  it('fails with the end of ffmpeg stderr in the message', async () => {
    const encoder = new FrameEncoder({ ffmpegPath, input: { kind: 'raw' }, fit: 'letterbox', levelFrames: 0, width: 64, height: 48, fps: 5, format: 'mp4', crf: 30, preset: 'no-such-preset', outputPath: path.join(dir, 'b.mp4') });
    const error = await (async () => {
      for (let i = 0; i < 200; i++) await encoder.write(new Uint8Array(64 * 48 * 3));
      await encoder.finish();
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EncodeError);
    expect((error as EncodeError).retriable).toBe(false);
    expect((error as EncodeError).message).toMatch(/^ffmpeg failed after \d+ frames: /);
    expect((error as EncodeError).message).toContain('ffmpeg said:');
    expect((error as EncodeError).stderrTail).toMatch(/preset/i);
  });

  it('encodes image files as they are, fitting them to the output size with bars and levelling brightness', async () => {
    const out = path.join(dir, 'files.mp4');
    const encoder = new FrameEncoder({ ffmpegPath, input: { kind: 'encoded', codec: 'mjpeg', sourceWidth: 80, sourceHeight: 40 }, fit: 'letterbox', levelFrames: 5, width: 64, height: 48, fps: 10, format: 'mp4', crf: 30, preset: 'ultrafast', outputPath: out });
    for (let i = 0; i < 7; i++) {
      await encoder.write(await sharp({ create: { width: 80, height: 40, channels: 3, background: { r: 20 * i, g: 90, b: 60 } } }).jpeg().toBuffer());
    }
    await encoder.finish();
    expect(await probeVideo(ffprobePath, out)).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: 64, height: 48, frames: 7 });
  });

  it('refuses a frame of the wrong size', async () => {
    const encoder = new FrameEncoder({ ffmpegPath, input: { kind: 'raw' }, fit: 'letterbox', levelFrames: 0, width: 64, height: 48, fps: 5, format: 'mp4', crf: 30, preset: 'ultrafast', outputPath: path.join(dir, 'c.mp4') });
    await expect(encoder.write(new Uint8Array(10))).rejects.toThrow('frame of 10 bytes, expected 9216 (64x48 RGB)');
    encoder.abort();
    encoder.abort();
  });
});

describe('filterChain', () => {
  const base = { width: 64, height: 48, fit: 'letterbox' as const, levelFrames: 0 };
  it('fits files of another size with bars or a crop, and levels brightness when asked', () => {
    const input = { kind: 'encoded' as const, codec: 'mjpeg' as const, sourceWidth: 80, sourceHeight: 40 };
    expect(filterChain({ ...base, input })).toBe(
      'scale=64:48:force_original_aspect_ratio=decrease:flags=lanczos,pad=64:48:(ow-iw)/2:(oh-ih)/2:color=black,format=yuv420p,setsar=1',
    );
    expect(filterChain({ ...base, input, fit: 'crop', levelFrames: 300 })).toBe(
      'scale=64:48:force_original_aspect_ratio=increase:flags=lanczos,crop=64:48,format=yuv420p,deflicker=size=129:mode=median,setsar=1',
    );
  });
  it('leaves files already at the output size, and raw frames, unscaled', () => {
    expect(filterChain({ ...base, input: { kind: 'encoded', codec: 'png', sourceWidth: 64, sourceHeight: 48 } })).toBe('format=yuv420p,setsar=1');
    expect(filterChain({ ...base, input: { kind: 'raw' }, levelFrames: 25 })).toBe('format=yuv420p,deflicker=size=25:mode=median,setsar=1');
  });
});

describe('captions and image types', () => {
  it('writes the caption text for a frame', () => {
    expect(captionText({ rover: 'Perseverance', camera: 'NAVCAM_LEFT', sol: 731, takenAt: '2023-03-02T10:11:12.000Z' })).toBe('PERSEVERANCE NAVCAM_LEFT SOL 731 2023-03-02 10:11:12 UTC');
  });

  it('draws white text on a darkened band in the lower left only', () => {
    const width = 320;
    const height = 240;
    const rgb = new Uint8Array(width * height * 3).fill(200);
    drawCaption(rgb, width, height, 'SOL 1');
    const at = (x: number, y: number) => rgb[(y * width + x) * 3]!;
    expect(at(5, 5)).toBe(200);
    expect(at(300, 235)).toBe(200);
    const band = Array.from({ length: 40 }, (_, x) => at(x + 3, height - 8));
    expect(band).toContain(255);
    expect(band).toContain(50);
  });

  it('judges types and completeness from bytes', () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
    expect(sniffImageType(jpeg)?.format).toBe('jpeg');
    expect(looksComplete(jpeg, sniffImageType(jpeg)!)).toBe(true);
    expect(looksComplete(jpeg.subarray(0, 6), sniffImageType(jpeg)!)).toBe(false);
    expect(sniffImageType(Buffer.from('<html>'))).toBeNull();
  });

  it('reads the size a JPEG or PNG declares as libvips does, and leaves other formats to libvips', async () => {
    const base = sharp({ create: { width: 333, height: 211, channels: 3, background: { r: 90, g: 60, b: 40 } } });
    const files = [
      await base.clone().jpeg().toBuffer(),
      await base.clone().jpeg({ progressive: true }).withMetadata({ exif: { IFD0: { Copyright: 'NASA/JPL-Caltech' } } }).toBuffer(),
      await base.clone().png().toBuffer(),
    ];
    for (const file of files) {
      const meta = await sharp(file).metadata();
      expect(declaredSize(file, sniffImageType(file)!)).toEqual({ width: meta.width, height: meta.height });
    }
    const gif = await base.clone().gif().toBuffer();
    expect(declaredSize(gif, sniffImageType(gif)!)).toBeNull();
    expect(declaredSize(files[0]!.subarray(0, 20), sniffImageType(files[0]!)!)).toBeNull();
  });
});
