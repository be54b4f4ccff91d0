/**
 * Moves a frame's content by a sub-pixel correction and enlarges it about its centre, with
 * bilinear sampling; what falls outside the source is black. Translation and zoom keep the map
 * separable, so the source column and row of every output pixel are worked out once per frame.
 */
export function warpFrame(
  source: Uint8Array,
  width: number,
  height: number,
  channels: number,
  correction: { dx: number; dy: number },
  zoom: number,
): Uint8Array {
  const axis = (size: number, shift: number) => {
    const low = new Int32Array(size);
    const weight = new Float32Array(size);
    const centre = (size - 1) / 2;
    for (let i = 0; i < size; i++) {
      const at = centre + (i - centre) / zoom - shift;
      const floor = Math.floor(at);
      low[i] = floor;
      weight[i] = at - floor;
    }
    return { low, weight };
  };
  const xs = axis(width, correction.dx);
  const ys = axis(height, correction.dy);
  const out = new Uint8Array(width * height * channels);
  const pixel = (x: number, y: number, c: number) =>
    x < 0 || y < 0 || x >= width || y >= height ? 0 : source[(y * width + x) * channels + c]!;
  for (let y = 0; y < height; y++) {
    const y0 = ys.low[y]!;
    const wy = ys.weight[y]!;
    for (let x = 0; x < width; x++) {
      const x0 = xs.low[x]!;
      const wx = xs.weight[x]!;
      const inside = x0 >= 0 && y0 >= 0 && x0 + 1 < width && y0 + 1 < height;
      const base = (y0 * width + x0) * channels;
      const o = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) {
        // The common case reads straight from the buffer; the edges go through the bounds check.
        const a = inside ? source[base + c]! : pixel(x0, y0, c);
        const b = inside ? source[base + channels + c]! : pixel(x0 + 1, y0, c);
        const d = inside ? source[base + width * channels + c]! : pixel(x0, y0 + 1, c);
        const e = inside ? source[base + width * channels + channels + c]! : pixel(x0 + 1, y0 + 1, c);
        const top = a + (b - a) * wx;
        const bottom = d + (e - d) * wx;
        out[o + c] = Math.round(top + (bottom - top) * wy);
      }
    }
  }
  return out;
}
