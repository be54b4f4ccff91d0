import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resolveMediaTools } from '../../src/media/media-tools.ts';
import { probeVideo } from '../../src/media/probe-video.ts';
import { fixturesDir, tempDir } from '../support/temp.ts';
import { decodeGreyFrames } from '../support/media/video-frames.ts';

const root = path.resolve(fixturesDir, '..', '..');
const sequenceDir = path.join(fixturesDir, 'frames', 'sequence');
const LabelsSchema = z.array(z.object({ file: z.string(), good: z.boolean(), reason: z.string().nullable() }));
const labels = LabelsSchema.parse(JSON.parse(readFileSync(path.join(fixturesDir, 'frames', 'labels.json'), 'utf8')));
const files = labels.map((l) => path.join(sequenceDir, l.file));
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('NODE_CHANNEL')));
const tools = resolveMediaTools({ ffmpegPath: undefined, ffprobePath: undefined });
const ReportSchema = z.object({
  video: z.string(),
  manifest: z.string(),
  view: z.enum(['normal', 'stabilised', 'motion']),
  framesAccepted: z.number(),
  framesRejected: z.number(),
  views: z.record(z.string(), z.unknown()).nullable(),
  frames: z.array(z.object({ file: z.string(), accepted: z.boolean(), reason: z.string().nullable(), detail: z.string().nullable() })),
});

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir('mars-render-cli')));
afterAll(() => cleanup?.());

const mars = (...args: string[]) => spawnSync(process.execPath, ['bin/mars.js', 'render', ...args], { cwd: root, encoding: 'utf8', env });

describe('mars render on the labelled sequence derived from a real Navcam frame', () => {
  it('writes a playable H.264 MP4 of exactly the accepted frames and a manifest beside it, with the reasons for the rest', async () => {
    const out = path.join(dir, 'clip.mp4');
    const run = mars(...files, '--out', out, '--fps', '8', '--json');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = ReportSchema.parse(JSON.parse(run.stdout));
    const good = labels.filter((l) => l.good).length;
    expect(report.framesAccepted).toBe(good);
    expect(report.framesRejected).toBe(labels.length - good);
    expect(report.views).toBeNull();
    expect(report.frames.filter((f) => !f.accepted).map((f) => f.reason)).toEqual(labels.filter((l) => !l.good).map((l) => l.reason));

    const probe = await probeVideo(tools.ffprobePath, out);
    expect(probe).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: 512, height: 384, frames: good });
    expect(probe.durationSeconds).toBeCloseTo(good / 8, 1);
    // Playable: every frame decodes.
    expect((await decodeGreyFrames(tools, out)).frames).toHaveLength(good);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'clip.manifest.json'), 'utf8'));
    expect(manifest.output).toMatchObject({ view: 'normal', frames: good, fps: 8 });
    expect(manifest.frames).toHaveLength(labels.length);
    expect(manifest.stabilisation).toBeUndefined();
    // Nothing left behind but the video and its manifest.
    expect((await readdir(dir)).sort()).toEqual(['clip.manifest.json', 'clip.mp4']);
  }, 240_000);

  it('prints the rejected files with their reasons, and renders the stabilised motion view side by side', async () => {
    const out = path.join(dir, 'motion.mp4');
    const run = mars(...files, '--out', out, '--stabilise', '--mode', 'motion', '--layout', 'side-by-side');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.filter((l) => l.includes(' rejected ')).map((l) => /rejected {2}([a-z-]+):/.exec(l)?.[1])).toEqual(
      labels.filter((l) => !l.good).map((l) => l.reason),
    );
    expect(run.stdout).toContain('23 frames used, 7 rejected');
    expect(run.stdout).toMatch(/\nstabilised: mean correction [\d.]+ px, largest [\d.]+ px, zoom [\d.]+\n/);
    const probe = await probeVideo(tools.ffprobePath, out);
    expect(probe).toMatchObject({ codec: 'h264', width: 1024, height: 384, frames: 23 });
    const manifest = JSON.parse(readFileSync(path.join(dir, 'motion.manifest.json'), 'utf8'));
    expect(manifest.motion).toMatchObject({ window: 9, layout: 'side-by-side', alignedFirst: true });
    expect(manifest.motion.stretch.gains).toHaveLength(23);
    expect(manifest.stabilisation.transforms).toHaveLength(23);
  }, 240_000);

  it('refuses an output it cannot write as a video, saying why', () => {
    const run = mars(files[0]!, files[1]!, '--out', path.join(dir, 'clip.gif'));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Expected an output file ending in .mp4 or .webm');
  }, 120_000);
});
