import sharp from 'sharp';
import { outputJpeg } from './jpeg-output.ts';

/** Tiles beyond this are sampled evenly: the sheet stays a readable, bounded image. */
export const CONTACT_SHEET_MAX_TILES = 600;
export const CONTACT_SHEET_COLUMNS = 12;

export interface ContactTile {
  /** RGB pixels of tileWidth x tileHeight, or null for a frame that never decoded. */
  pixels: Uint8Array | null;
  accepted: boolean;
}

/**
 * A contact-sheet tile straight from decoded pixels (1 to 4 channels): the frame letterboxed
 * into tileWidth x tileHeight, each tile pixel the mean of a 3x3 grid of samples from its
 * source area. Enough for a thumbnail, and a tenth of the cost of a libvips resize of a
 * full frame handed over as raw pixels.
 */
export function tileFromPixels(pixels: Uint8Array, width: number, height: number, channels: number, tileWidth: number, tileHeight: number): Uint8Array {
  const out = new Uint8Array(tileWidth * tileHeight * 3);
  const scale = Math.min(tileWidth / width, tileHeight / height);
  const w = Math.max(1, Math.min(tileWidth, Math.round(width * scale)));
  const h = Math.max(1, Math.min(tileHeight, Math.round(height * scale)));
  const left = (tileWidth - w) >> 1;
  const top = (tileHeight - h) >> 1;
  // Source columns and rows of the 3x3 sample grid, computed once per tile column and row.
  const xs = new Int32Array(w * 3);
  for (let i = 0; i < w * 3; i++) xs[i] = Math.min(width - 1, Math.floor(((i + 0.5) / 3) * (width / w))) * channels;
  const ys = new Int32Array(h * 3);
  for (let i = 0; i < h * 3; i++) ys[i] = Math.min(height - 1, Math.floor(((i + 0.5) / 3) * (height / h))) * width * channels;
  const g1 = channels < 3 ? 0 : 1;
  const b2 = channels < 3 ? 0 : 2;
  for (let ty = 0; ty < h; ty++) {
    let o = ((top + ty) * tileWidth + left) * 3;
    const row0 = ys[ty * 3]!;
    const row1 = ys[ty * 3 + 1]!;
    const row2 = ys[ty * 3 + 2]!;
    for (let tx = 0; tx < w; tx++, o += 3) {
      // The 3x3 grid, unrolled: rows row0-row2, columns c0-c2.
      const c0 = xs[tx * 3]!;
      const c1 = xs[tx * 3 + 1]!;
      const c2 = xs[tx * 3 + 2]!;
      const p0 = row0 + c0, p1 = row0 + c1, p2 = row0 + c2;
      const p3 = row1 + c0, p4 = row1 + c1, p5 = row1 + c2;
      const p6 = row2 + c0, p7 = row2 + c1, p8 = row2 + c2;
      const r = pixels[p0]! + pixels[p1]! + pixels[p2]! + pixels[p3]! + pixels[p4]! + pixels[p5]! + pixels[p6]! + pixels[p7]! + pixels[p8]!;
      const g =
        pixels[p0 + g1]! + pixels[p1 + g1]! + pixels[p2 + g1]! + pixels[p3 + g1]! + pixels[p4 + g1]! + pixels[p5 + g1]! + pixels[p6 + g1]! + pixels[p7 + g1]! + pixels[p8 + g1]!;
      const b =
        pixels[p0 + b2]! + pixels[p1 + b2]! + pixels[p2 + b2]! + pixels[p3 + b2]! + pixels[p4 + b2]! + pixels[p5 + b2]! + pixels[p6 + b2]! + pixels[p7 + b2]! + pixels[p8 + b2]!;
      out[o] = (r + 4) / 9;
      out[o + 1] = (g + 4) / 9;
      out[o + 2] = (b + 4) / 9;
    }
  }
  return out;
}

/** Which candidate indices get a tile when there are `count` candidates. */
export function contactSheetIndices(count: number): Set<number> {
  if (count <= CONTACT_SHEET_MAX_TILES) return new Set(Array.from({ length: count }, (_, i) => i));
  const step = count / CONTACT_SHEET_MAX_TILES;
  return new Set(Array.from({ length: CONTACT_SHEET_MAX_TILES }, (_, i) => Math.floor(i * step)));
}

function markRejected(sheet: Uint8Array, sheetWidth: number, x0: number, y0: number, w: number, h: number): void {
  const red = (x: number, y: number) => {
    const i = ((y0 + y) * sheetWidth + x0 + x) * 3;
    sheet[i] = 230;
    sheet[i + 1] = 30;
    sheet[i + 2] = 30;
  };
  const border = Math.max(2, Math.round(w / 40));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (x < border || y < border || x >= w - border || y >= h - border) red(x, y);
    }
  }
  // A cross through the tile, so the mark survives a grey or red-tinted frame.
  for (let t = 0; t < Math.max(w, h); t++) {
    const x = Math.round((t * (w - 1)) / Math.max(w, h));
    const y = Math.round((t * (h - 1)) / Math.max(w, h));
    for (let d = -1; d <= 1; d++) {
      const yy = Math.min(h - 1, Math.max(0, y + d));
      red(x, yy);
      red(w - 1 - x, yy);
    }
  }
}

/**
 * A sheet of tiles in order, rejected ones crossed out in red, drawn as the tiles arrive: the
 * tiles are not kept, only the sheet, whose size is fixed by the number of tiles it will hold.
 * It is encoded once, and lets go of its pixels then (18 MB at 300 tiles, 36 MB at 600), so
 * that they are not held while the render uploads its video.
 */
export class ContactSheet {
  private static readonly GAP = 4;
  private readonly columns: number;
  private readonly width: number;
  private readonly height: number;
  /** Undefined until the first tile, null once encoded. */
  private sheet?: Uint8Array | null;
  private added = 0;

  constructor(
    tiles: number,
    private readonly tileWidth: number,
    private readonly tileHeight: number,
  ) {
    const gap = ContactSheet.GAP;
    this.columns = Math.max(1, Math.min(CONTACT_SHEET_COLUMNS, tiles));
    const rows = Math.max(1, Math.ceil(tiles / this.columns));
    this.width = gap + this.columns * (tileWidth + gap);
    this.height = gap + rows * (tileHeight + gap);
  }

  /**
   * The sheet's pixels, allocated at the first tile rather than with the render: by then ffmpeg
   * is spawned, and memory written before a fork stays copy-on-write in this process until each
   * page is written again, a page fault per 4 KiB of an 18 MB sheet.
   */
  private pixels(): Uint8Array {
    if (this.sheet === null) throw new Error('the contact sheet was already encoded');
    return (this.sheet ??= new Uint8Array(this.width * this.height * 3).fill(24));
  }

  /** Draws the next tile. */
  add(tile: ContactTile): void {
    const sheet = this.pixels();
    const { tileWidth, tileHeight, width } = this;
    const gap = ContactSheet.GAP;
    const n = this.added++;
    const x0 = gap + (n % this.columns) * (tileWidth + gap);
    const y0 = gap + Math.floor(n / this.columns) * (tileHeight + gap);
    for (let y = 0; y < tileHeight; y++) {
      const row = (y0 + y) * width + x0;
      if (tile.pixels) sheet.set(tile.pixels.subarray(y * tileWidth * 3, (y + 1) * tileWidth * 3), row * 3);
      else sheet.fill(70, row * 3, (row + tileWidth) * 3);
    }
    if (!tile.accepted) markRejected(sheet, width, x0, y0, tileWidth, tileHeight);
  }

  jpeg(): Promise<Buffer> {
    const sheet = this.pixels();
    this.sheet = null;
    return sharp(sheet, { raw: { width: this.width, height: this.height, channels: 3 } }).jpeg(outputJpeg(82)).toBuffer();
  }
}
