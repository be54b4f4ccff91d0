import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fixturesDir } from '../support/temp.ts';

const root = path.resolve(fixturesDir, '..', '..');
const sequenceDir = path.join(fixturesDir, 'frames', 'sequence');
const LabelsSchema = z.array(z.object({ file: z.string(), good: z.boolean(), kind: z.string(), reason: z.string().nullable() }));
const labels = LabelsSchema.parse(JSON.parse(readFileSync(path.join(fixturesDir, 'frames', 'labels.json'), 'utf8')));
// The CLI runs as a plain child: no inherited IPC channel from the test runner's own process.
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('NODE_CHANNEL')));
const VerdictsSchema = z.array(
  z.object({ file: z.string(), accepted: z.boolean(), reason: z.string().nullable(), detail: z.string().nullable(), metrics: z.record(z.string(), z.number()) }),
);

describe('mars frames analyze on the labelled sequence derived from a real Navcam frame', () => {
  const files = labels.map((l) => path.join(sequenceDir, l.file));
  const run = spawnSync(process.execPath, ['bin/mars.js', 'frames', 'analyze', ...files, '--json'], { cwd: root, encoding: 'utf8', env });

  it('prints one JSON array with file, accepted, reason and metrics for every file, in order', () => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const verdicts = VerdictsSchema.parse(JSON.parse(run.stdout));
    expect(verdicts.map((v) => v.file)).toEqual(files);
    const decoded = verdicts.find((v) => v.accepted)!;
    expect(Object.keys(decoded.metrics).sort()).toEqual(
      ['blurScore', 'brightClipped', 'darkClipped', 'entropy', 'height', 'laplacianVariance', 'mean', 'stdDev', 'width'].sort(),
    );
  });

  it('rejects every degraded frame for its own reason', () => {
    const verdicts = VerdictsSchema.parse(JSON.parse(run.stdout));
    const degraded = labels.map((l, i) => ({ ...l, verdict: verdicts[i]! })).filter((l) => !l.good);
    expect(degraded.map((d) => [d.kind, d.verdict.accepted, d.verdict.reason])).toEqual([
      ['not-an-image', false, 'not-an-image'],
      ['blurred', false, 'blurred'],
      ['black', false, 'black'],
      ['over-exposed', false, 'over-exposed'],
      ['thumbnail', false, 'not-dominant-size'],
      ['truncated', false, 'truncated'],
      ['duplicate', false, 'duplicate'],
    ]);
  });

  it('keeps every good frame: pans, brightness drift, near-identical neighbours and soft sky frames', () => {
    const verdicts = VerdictsSchema.parse(JSON.parse(run.stdout));
    const good = labels.map((l, i) => ({ ...l, verdict: verdicts[i]! })).filter((l) => l.good);
    expect(good).toHaveLength(23);
    expect(good.filter((g) => !g.verdict.accepted).map((g) => g.file)).toEqual([]);
    expect(good.filter((g) => g.kind === 'soft-sky')).toHaveLength(4);
  });

  it('prints a readable table without --json', () => {
    const table = spawnSync(process.execPath, ['bin/mars.js', 'frames', 'analyze', files[0]!, files[12]!], { cwd: root, encoding: 'utf8', env });
    expect(table.status).toBe(0);
    expect(table.stdout.trim().split('\n')).toHaveLength(3);
    expect(table.stdout).toContain('rejected  not-an-image: the bytes do not start with a known image signature');
    expect(table.stdout.trim().endsWith('1 kept, 1 rejected')).toBe(true);
  });

  it('reports a file it cannot read instead of failing', () => {
    const missing = path.join(sequenceDir, 'no-such-frame.jpg');
    const result = spawnSync(process.execPath, ['bin/mars.js', 'frames', 'analyze', files[0]!, missing, '--json'], { cwd: root, encoding: 'utf8', env });
    expect(result.status).toBe(0);
    const verdicts = VerdictsSchema.parse(JSON.parse(result.stdout));
    expect(verdicts[1]).toMatchObject({ file: missing, accepted: false, reason: 'undecodable' });
    expect(verdicts[1]!.detail).toMatch(/^cannot read the file: ENOENT/);
  });
});

describe('mars frames analyze on the exposure sequence derived from the same real Navcam frame', () => {
  const exposure = LabelsSchema.parse(JSON.parse(readFileSync(path.join(fixturesDir, 'frames', 'exposure-labels.json'), 'utf8')));
  const files = exposure.map((l) => path.join(fixturesDir, 'frames', 'exposure', l.file));
  const run = spawnSync(process.execPath, ['bin/mars.js', 'frames', 'analyze', ...files, '--json'], { cwd: root, encoding: 'utf8', env });
  const verdicts = () => VerdictsSchema.parse(JSON.parse(run.stdout));

  it('rejects frames that stand out from their neighbours, and all-white and all-black frames, for their own reason', () => {
    expect(run.status).toBe(0);
    const degraded = exposure.map((l, i) => ({ ...l, verdict: verdicts()[i]! })).filter((l) => !l.good);
    expect(degraded.map((d) => [d.kind, d.verdict.reason])).toEqual([
      ['over-bright', 'over-exposed'],
      ['all-white', 'over-exposed'],
      ['dim', 'under-exposed'],
      ['all-black', 'black'],
    ]);
    // The over-bright frame is under the absolute limit and rejected against its neighbours.
    const overBright = degraded[0]!.verdict;
    expect(overBright.metrics.brightClipped).toBeGreaterThan(0.2);
    expect(overBright.metrics.brightClipped).toBeLessThan(0.25);
    expect(overBright.detail).toMatch(/clipped bright, more than 10 points above the neighbours' median 0%$/);
  });

  it("keeps every good frame: a sol's lighting drift and soft sky frames", () => {
    const good = exposure.map((l, i) => ({ ...l, verdict: verdicts()[i]! })).filter((l) => l.good);
    expect(good).toHaveLength(27);
    expect(good.filter((g) => !g.verdict.accepted).map((g) => g.file)).toEqual([]);
    const means = good.filter((g) => g.kind === 'lighting-drift').map((g) => g.verdict.metrics.mean!);
    expect(means.at(-1)! / means[0]!).toBeGreaterThan(1.6);
  });
});
