import { spawn } from 'node:child_process';
import { probeVideo } from '../../../src/media/probe-video.ts';

/** Decodes every frame of a video to 8-bit greyscale planes with ffmpeg. */
export async function decodeGreyFrames(
  tools: { ffmpegPath: string; ffprobePath: string },
  file: string,
): Promise<{ width: number; height: number; frames: Uint8Array[] }> {
  const { width, height } = await probeVideo(tools.ffprobePath, file);
  const child = spawn(tools.ffmpegPath, ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`ffmpeg could not decode ${file}: ${stderr}`);
  const all = Buffer.concat(chunks);
  const size = width * height;
  const frames: Uint8Array[] = [];
  for (let at = 0; at + size <= all.length; at += size) frames.push(new Uint8Array(all.subarray(at, at + size)));
  return { width, height, frames };
}

/** A small seeded generator (mulberry32), so derived sequences are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
