import sharp from 'sharp';
import { phaseCorrelate, spectrumOf, type Shift, type Spectrum } from './phase-correlation.ts';

/**
 * The first pass of stabilisation: each frame's motion against the one before, by phase
 * correlation on a small greyscale plane. Frames are read one after another (a few decodes
 * ahead) and only the previous frame's spectrum is kept.
 */

/**
 * Side of the square plane frames are measured on. On frames derived from a real Navcam image
 * with shifts of up to ±20 px, 256 measured within 0.2 px at the frame's scale (128: 0.4 px),
 * in about 20 ms a frame.
 */
export const MEASURE_SIZE = 256;

export interface MeasureInput {
  files: readonly string[];
  /** Source frame size (every file has it) and how it is fitted into the output. */
  source: { width: number; height: number };
  output: { width: number; height: number };
  fit: 'letterbox' | 'crop';
  limitInputPixels: number;
  signal?: AbortSignal;
}

/** Output pixels per source pixel, as the fit scales the frame. */
export function contentScale(input: Pick<MeasureInput, 'source' | 'output' | 'fit'>): number {
  const sx = input.output.width / input.source.width;
  const sy = input.output.height / input.source.height;
  return input.fit === 'crop' ? Math.max(sx, sy) : Math.min(sx, sy);
}

function plane(file: string, limitInputPixels: number): Promise<Uint8Array> {
  return sharp(file, { failOn: 'truncated', limitInputPixels })
    .greyscale()
    .resize(MEASURE_SIZE, MEASURE_SIZE, { fit: 'fill', fastShrinkOnLoad: true })
    .raw()
    .toBuffer()
    .then((buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length));
}

/** Each frame's content motion since the frame before, in output pixels (the first: none). */
export async function measureMotion(input: MeasureInput): Promise<Shift[]> {
  const scale = contentScale(input);
  const perPlaneX = (input.source.width / MEASURE_SIZE) * scale;
  const perPlaneY = (input.source.height / MEASURE_SIZE) * scale;
  const ahead = 3;
  const decoding: Array<Promise<Uint8Array>> = [];
  let next = 0;
  const fill = () => {
    while (next < input.files.length && decoding.length < ahead) {
      const job = plane(input.files[next++]!, input.limitInputPixels);
      job.catch(() => undefined);
      decoding.push(job);
    }
  };
  const motions: Shift[] = [];
  let previous: Spectrum | undefined;
  fill();
  while (decoding.length > 0) {
    input.signal?.throwIfAborted();
    const spectrum = spectrumOf(await decoding.shift()!, MEASURE_SIZE);
    fill();
    if (!previous) {
      motions.push({ dx: 0, dy: 0, peak: 1 });
    } else {
      const shift = phaseCorrelate(previous, spectrum);
      motions.push({ dx: shift.dx * perPlaneX, dy: shift.dy * perPlaneY, peak: shift.peak });
    }
    previous = spectrum;
  }
  return motions;
}
