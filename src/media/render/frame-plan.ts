import type { RenderOptions } from '../../timelapse/render-options.ts';
import { contactSheetIndices } from '../contact-sheet.ts';
import { defaultOutputSize, dominantSize, readImageHeader, type ImageHeader, type Size } from '../dominant-size.ts';
import type { EncoderInput } from '../ffmpeg-encoder.ts';
import type { LocalOriginal } from './fetch-originals.ts';

/** What the originals decide for the rest of the render, from their headers alone. */
export interface FramePlan {
  /** The size most originals have; null when none is an image. Frames of other sizes are rejected. */
  source: Size | null;
  /** The video's size, even. */
  output: Size;
  /** Raw frames normalised in the workers, or the original files as ffmpeg's input. */
  input: EncoderInput;
  /** A contact-sheet tile's size: the output's aspect, 160 wide, smaller past SHEET_PIXELS. */
  tile: Size;
  /** Candidate indices whose tiles make the contact sheet. */
  sheet: ReadonlySet<number>;
}

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

/**
 * Pixels the contact sheet's tiles may cover together: 300 tiles of 160x160. Past that the
 * tiles shrink, so that the sheet of a long sequence (up to CONTACT_SHEET_MAX_TILES tiles)
 * holds no more memory than a 300-frame one's.
 */
const SHEET_PIXELS = 300 * 160 * 160;

function tileSize(output: Size, tiles: number): Size {
  const height = (160 * output.height) / output.width;
  const scale = Math.min(1, Math.sqrt(SHEET_PIXELS / (Math.max(1, tiles) * 160 * height)));
  return { width: even(160 * scale), height: even(height * scale) };
}

/**
 * How frames reach ffmpeg. Original files as they are when every usable one is JPEG (or every
 * one PNG) and nothing is drawn on them: ffmpeg then decodes, fits and levels them itself, and
 * the workers only measure (at reduced scale). Captions, or a mix of formats, need raw frames
 * normalised in the workers.
 */
function chooseEncoderInput(formats: ReadonlyArray<string | null>, source: Size | null, caption: boolean): EncoderInput {
  if (caption || !source) return { kind: 'raw' };
  const present = new Set(formats.filter((f): f is string => f !== null));
  const size = { sourceWidth: source.width, sourceHeight: source.height };
  if (present.size === 1 && present.has('jpeg')) return { kind: 'encoded', codec: 'mjpeg', ...size };
  if (present.size === 1 && present.has('png')) return { kind: 'encoded', codec: 'png', ...size };
  return { kind: 'raw' };
}

/** Each original's header read from its local file; null where there is no image. */
export function readHeaders(originals: readonly LocalOriginal[]): Promise<Array<ImageHeader | null>> {
  return Promise.all(originals.map((o) => (o.ok ? readImageHeader(o.localPath) : Promise.resolve(null))));
}

/** The plan from the originals' headers (null where there is no image), in candidate order. */
export function planFrames(headers: ReadonlyArray<ImageHeader | null>, options: Pick<RenderOptions, 'width' | 'height' | 'caption'>): FramePlan {
  const source = dominantSize(headers);
  const input = chooseEncoderInput(
    headers.map((h) => (h && source && h.width === source.width && h.height === source.height ? h.format : null)),
    source,
    options.caption,
  );
  const output: Size = source ? defaultOutputSize(source, 1280, { width: options.width, height: options.height }) : { width: 2, height: 2 };
  const sheet = contactSheetIndices(headers.length);
  return { source, output, input, tile: tileSize(output, sheet.size), sheet };
}
