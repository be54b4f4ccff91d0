import sharp from 'sharp';

/** Tiles beyond this are sampled evenly: the sheet stays a readable, bounded image. */
export const CONTACT_SHEET_MAX_TILES = 600;
export const CONTACT_SHEET_COLUMNS = 12;

export interface ContactTile {
  /** RGB pixels of tileWidth x tileHeight, or null for a frame that never decoded. */
  pixels: Uint8Array | null;
  accepted: boolean;
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

/** A JPEG sheet of the tiles in order, rejected ones crossed out in red. */
export async function renderContactSheet(tiles: readonly ContactTile[], tileWidth: number, tileHeight: number): Promise<Buffer> {
  const gap = 4;
  const columns = Math.max(1, Math.min(CONTACT_SHEET_COLUMNS, tiles.length));
  const rows = Math.max(1, Math.ceil(tiles.length / columns));
  const width = gap + columns * (tileWidth + gap);
  const height = gap + rows * (tileHeight + gap);
  const sheet = new Uint8Array(width * height * 3).fill(24);
  tiles.forEach((tile, n) => {
    const x0 = gap + (n % columns) * (tileWidth + gap);
    const y0 = gap + Math.floor(n / columns) * (tileHeight + gap);
    for (let y = 0; y < tileHeight; y++) {
      const row = (y0 + y) * width + x0;
      if (tile.pixels) sheet.set(tile.pixels.subarray(y * tileWidth * 3, (y + 1) * tileWidth * 3), row * 3);
      else sheet.fill(70, row * 3, (row + tileWidth) * 3);
    }
    if (!tile.accepted) markRejected(sheet, width, x0, y0, tileWidth, tileHeight);
  });
  return sharp(sheet, { raw: { width, height, channels: 3 } }).jpeg({ quality: 82 }).toBuffer();
}
