import { expect, it } from 'vitest';
import type { RenderStage } from '../../../src/media/render/progress.ts';
import { ProgressReporter } from '../../../src/workers/timelapse/progress-reporter.ts';
import { TIMELAPSE_STAGES } from '../../../src/timelapse/schemas.ts';

it('sends stages only forward and fractions only up, however the overlapping stages report', async () => {
  const sent: Array<[string, number]> = [];
  const jobProgress: unknown[] = [];
  const reporter = new ProgressReporter({ updateProgress: async (p: unknown) => void jobProgress.push(p) }, async (stage, fraction) => void sent.push([stage, fraction]));
  // The order a streamed render reports in: frames encoded while later ones are still analysed.
  const reports: Array<[RenderStage, number]> = [
    ['download', 0], ['download', 0.5], ['download', 1], ['analyse', 0.2], ['normalise', 0.1], ['encode', 0.1],
    ['normalise', 0.4], ['analyse', 0.6], ['encode', 0.5], ['analyse', 1], ['normalise', 1], ['encode', 1], ['publish', 1],
  ];
  for (const [stage, fraction] of reports) reporter.report(stage, fraction);
  await reporter.flush();
  expect(sent.map(([stage]) => stage)).toEqual(['download', 'download', 'download', 'analyse', 'normalise', 'encode', 'encode', 'encode', 'encode', 'encode', 'encode', 'publish']);
  const order = sent.map(([stage]) => TIMELAPSE_STAGES.indexOf(stage as (typeof TIMELAPSE_STAGES)[number]));
  expect(order).toEqual([...order].sort((a, b) => a - b));
  const fractions = sent.map(([, fraction]) => fraction);
  expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
  expect(fractions.at(-1)).toBe(1);
  expect(jobProgress).toHaveLength(sent.length);
});
