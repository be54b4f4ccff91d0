/**
 * The shift between two greyscale frames by exhaustive block matching: the displacement with
 * the least mean absolute difference over the frame's centre, first at half resolution, then
 * refined at full resolution to a parabola's sub-pixel minimum. A method of its own, so tests
 * measure the stabiliser's output independently of the phase correlation it uses.
 */
export function blockShift(a: Uint8Array, b: Uint8Array, width: number, height: number, range = 24): { dx: number; dy: number } {
  const cost = (pa: Uint8Array, pb: Uint8Array, w: number, h: number, margin: number, dx: number, dy: number) => {
    let sum = 0;
    let n = 0;
    for (let y = margin; y < h - margin; y += 1) {
      const ya = y - dy;
      for (let x = margin; x < w - margin; x += 1) {
        sum += Math.abs(pb[y * w + x]! - pa[ya * w + (x - dx)]!);
        n++;
      }
    }
    return sum / n;
  };
  const half = (p: Uint8Array) => {
    const w = width >> 1;
    const h = height >> 1;
    const out = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = 2 * y * width + 2 * x;
        out[y * w + x] = (p[i]! + p[i + 1]! + p[i + width]! + p[i + width + 1]! + 2) >> 2;
      }
    }
    return out;
  };
  const ha = half(a);
  const hb = half(b);
  const hr = Math.ceil(range / 2) + 1;
  let best = { dx: 0, dy: 0, c: Infinity };
  for (let dy = -hr; dy <= hr; dy++) {
    for (let dx = -hr; dx <= hr; dx++) {
      const c = cost(ha, hb, width >> 1, height >> 1, hr + 2, dx, dy);
      if (c < best.c) best = { dx, dy, c };
    }
  }
  const margin = range + 6;
  const full = new Map<string, number>();
  const at = (dx: number, dy: number) => {
    const key = `${dx},${dy}`;
    if (!full.has(key)) full.set(key, cost(a, b, width, height, margin, dx, dy));
    return full.get(key)!;
  };
  let fine = { dx: best.dx * 2, dy: best.dy * 2 };
  for (let dy = fine.dy - 2; dy <= fine.dy + 2; dy++) {
    for (let dx = fine.dx - 2; dx <= fine.dx + 2; dx++) if (at(dx, dy) < at(fine.dx, fine.dy)) fine = { dx, dy };
  }
  const sub = (l: number, c: number, r: number) => (l - 2 * c + r > 0 ? (0.5 * (l - r)) / (l - 2 * c + r) : 0);
  return {
    dx: fine.dx + sub(at(fine.dx - 1, fine.dy), at(fine.dx, fine.dy), at(fine.dx + 1, fine.dy)),
    dy: fine.dy + sub(at(fine.dx, fine.dy - 1), at(fine.dx, fine.dy), at(fine.dx, fine.dy + 1)),
  };
}
