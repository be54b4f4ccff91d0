import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ContactSheet } from '../../src/media/contact-sheet.ts';

describe('ContactSheet', () => {
  it('draws tiles in order as they arrive, 4 px apart, crossing out the rejected and greying the undecoded', async () => {
    const [w, h] = [60, 40];
    const tile = (value: number) => new Uint8Array(w * h * 3).fill(value);
    const sheet = new ContactSheet(3, w, h);
    sheet.add({ pixels: tile(200), accepted: true });
    sheet.add({ pixels: tile(120), accepted: false });
    sheet.add({ pixels: null, accepted: true });
    const { data, info } = await sharp(await sheet.jpeg()).raw().toBuffer({ resolveWithObject: true });
    // Three columns with 4 px gaps around them.
    expect(info).toMatchObject({ width: 4 + 3 * (w + 4), height: 4 + h + 4 });
    const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)] as [number, number, number];
    // Grey of this level, give or take what JPEG moves a flat area by.
    const grey = (x: number, y: number, level: number) => at(x, y).every((v) => Math.abs(v - level) <= 12);
    const red = (x: number, y: number) => at(x, y)[0] - at(x, y)[1] > 100;
    const left = (n: number) => 4 + n * (w + 4);
    expect(grey(1, 1, 24)).toBe(true); // the background
    expect(grey(left(0) + 30, 4 + 10, 200)).toBe(true);
    expect(red(left(0) + 30, 4 + 1)).toBe(false);
    // The rejected tile: its own pixels off the cross, a red border and a red cross.
    expect(grey(left(1) + 30, 4 + 8, 120)).toBe(true);
    expect(red(left(1) + 30, 4 + 1)).toBe(true);
    expect(red(left(1) + 30, 4 + 20)).toBe(true);
    // A frame that never decoded: a flat grey tile (70).
    expect(grey(left(2) + 30, 4 + 20, 70)).toBe(true);
    // Encoded once: the sheet has let go of its pixels.
    expect(() => sheet.add({ pixels: tile(10), accepted: true })).toThrow(/already encoded/);
    expect(() => sheet.jpeg()).toThrow(/already encoded/);
  });
});
