/**
 * Translation between two greyscale images by phase correlation: the normalised cross-power
 * spectrum of two shifted images is a pure phase ramp, whose inverse transform is a single peak
 * at the shift. Plain JavaScript on a small square plane (a power of two), so it needs no native
 * dependency and runs in a few milliseconds a frame.
 */

/** In-place radix-2 FFT of `re`/`im` (length a power of two); `inverse` without the 1/n scale. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = ((inverse ? 2 : -2) * Math.PI) / len;
    const wRe = Math.cos(angle);
    const wIm = Math.sin(angle);
    const half = len >> 1;
    for (let start = 0; start < n; start += len) {
      let uRe = 1;
      let uIm = 0;
      for (let k = 0; k < half; k++) {
        const a = start + k;
        const b = a + half;
        const tRe = re[b]! * uRe - im[b]! * uIm;
        const tIm = re[b]! * uIm + im[b]! * uRe;
        re[b] = re[a]! - tRe;
        im[b] = im[a]! - tIm;
        re[a] = re[a]! + tRe;
        im[a] = im[a]! + tIm;
        const next = uRe * wRe - uIm * wIm;
        uIm = uRe * wIm + uIm * wRe;
        uRe = next;
      }
    }
  }
}

/** 2-D FFT of an n x n plane: rows, then columns. */
function fft2d(re: Float64Array, im: Float64Array, n: number, inverse: boolean): void {
  const rowRe = new Float64Array(n);
  const rowIm = new Float64Array(n);
  for (let pass = 0; pass < 2; pass++) {
    for (let line = 0; line < n; line++) {
      for (let i = 0; i < n; i++) {
        const at = pass === 0 ? line * n + i : i * n + line;
        rowRe[i] = re[at]!;
        rowIm[i] = im[at]!;
      }
      fft(rowRe, rowIm, inverse);
      for (let i = 0; i < n; i++) {
        const at = pass === 0 ? line * n + i : i * n + line;
        re[at] = rowRe[i]!;
        im[at] = rowIm[i]!;
      }
    }
  }
}

/** The spectrum of one plane, kept so each frame is transformed once and compared with the next. */
export interface Spectrum {
  readonly size: number;
  readonly re: Float64Array;
  readonly im: Float64Array;
}

const hannCache = new Map<number, Float64Array>();
function hann(n: number): Float64Array {
  let window = hannCache.get(n);
  if (!window) {
    window = new Float64Array(n);
    for (let i = 0; i < n; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    hannCache.set(n, window);
  }
  return window;
}

/**
 * The spectrum of an n x n greyscale plane (n a power of two), its mean removed and a Hann
 * window applied: the image's edges would otherwise correlate as a strong peak at no shift.
 */
export function spectrumOf(plane: Uint8Array, size: number): Spectrum {
  if (size < 8 || (size & (size - 1)) !== 0 || plane.length !== size * size) {
    throw new Error(`Expected a ${size}x${size} plane with a power-of-two side but received ${plane.length} bytes`);
  }
  let sum = 0;
  for (let i = 0; i < plane.length; i++) sum += plane[i]!;
  const mean = sum / plane.length;
  const window = hann(size);
  const re = new Float64Array(size * size);
  const im = new Float64Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) re[y * size + x] = (plane[y * size + x]! - mean) * window[x]! * window[y]!;
  }
  fft2d(re, im, size, false);
  return { size, re, im };
}

export interface Shift {
  /** How far the content of the second image moved from the first, in plane pixels. */
  dx: number;
  dy: number;
  /** Height of the correlation peak (1 for a perfect match, near 0 for unrelated images). */
  peak: number;
}

/** Sub-pixel position of a peak from its two neighbours (a parabola through the three). */
function refine(left: number, centre: number, right: number): number {
  const denominator = left - 2 * centre + right;
  if (denominator >= 0) return 0;
  return Math.max(-0.5, Math.min(0.5, (0.5 * (left - right)) / denominator));
}

/** The shift that carries `from` onto `to`: `to(x, y) ≈ from(x - dx, y - dy)`. */
export function phaseCorrelate(from: Spectrum, to: Spectrum): Shift {
  const n = from.size;
  if (to.size !== n) throw new Error(`Expected spectra of one size but received ${n} and ${to.size}`);
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) {
    // to · conj(from), normalised to unit magnitude.
    const r = to.re[i]! * from.re[i]! + to.im[i]! * from.im[i]!;
    const m = to.im[i]! * from.re[i]! - to.re[i]! * from.im[i]!;
    const magnitude = Math.hypot(r, m);
    if (magnitude > 1e-12) {
      re[i] = r / magnitude;
      im[i] = m / magnitude;
    }
  }
  fft2d(re, im, n, true);
  let best = 0;
  for (let i = 1; i < n * n; i++) if (re[i]! > re[best]!) best = i;
  const px = best % n;
  const py = Math.floor(best / n);
  const at = (x: number, y: number) => re[((y + n) % n) * n + ((x + n) % n)]!;
  const centre = re[best]!;
  const fx = px + refine(at(px - 1, py), centre, at(px + 1, py));
  const fy = py + refine(at(px, py - 1), centre, at(px, py + 1));
  // Indices past the middle are negative shifts (the correlation wraps around).
  return { dx: fx > n / 2 ? fx - n : fx, dy: fy > n / 2 ? fy - n : fy, peak: centre / (n * n) };
}
