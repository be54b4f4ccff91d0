import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RenderOptionsSchema } from '../../src/timelapse/render-options.ts';
import { renderOptionsOf } from '../../src/workers/timelapse/render-worker.ts';
import { TimelapseCommandMessageSchema, TimelapseCommandSchema, TimelapseEventSchema, timelapseEvent } from '../../src/timelapse/schemas.ts';
import { IngestionRunSchema } from '../../src/timelapse/topics.ts';

const base = { requestId: 'r-1', rover: 'perseverance', camera: 'NAVCAM_LEFT', solStart: 394, solEnd: 394 };
const problems = (value: unknown) => {
  const parsed = TimelapseCommandSchema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('timelapse command', () => {
  it('upper-cases the camera and keeps only what was given', () => {
    expect(TimelapseCommandSchema.parse({ ...base, camera: ' navcam_left ', fps: 5 })).toEqual({ ...base, fps: 5 });
  });

  it('names each problem', () => {
    expect(problems({ ...base, requestId: '../x' })).toEqual([
      'requestId: expected a request id of 1-128 letters, digits, dots, underscores or hyphens, starting with a letter or digit',
    ]);
    // "394" would be refused by BullMQ as a job id once the request was already accepted.
    expect(problems({ ...base, requestId: '394' })).toEqual(['requestId: expected a request id that is not only digits (navcam-394, not 394)']);
    expect(problems({ ...base, requestId: 'sol-394' })).toEqual([]);
    expect(problems({ ...base, solStart: 10, solEnd: 5 })).toEqual(['solEnd: solEnd must not be before solStart']);
    expect(problems({ ...base, solStart: 0, solEnd: 200 })).toEqual(['solEnd: a command covers at most 200 sols']);
    expect(problems({ ...base, rover: 'sojourner' })).toEqual(['rover: expected one of curiosity, perseverance, opportunity, spirit']);
    expect(problems({ ...base, width: 641 })).toEqual(['width: expected an even width (H.264 with yuv420p needs even dimensions)']);
    expect(problems({ ...base, thresholds: { blackMean: 12, nonsense: 1 } })).toHaveLength(1);
  });

  it('becomes the media options, defaults where the command says nothing', () => {
    const options = renderOptionsOf(TimelapseCommandSchema.parse({ ...base, fps: 24, format: 'webm', thresholds: { blackMean: 12 } }));
    const defaults = RenderOptionsSchema.parse({});
    expect(options).toEqual({ ...defaults, fps: 24, format: 'webm', quality: { ...defaults.quality, blackMean: 12 } });
    const motion = renderOptionsOf(TimelapseCommandSchema.parse({ ...base, stabilise: true, mode: 'motion', layout: 'side-by-side', motionWindow: 5 }));
    expect(motion).toEqual({ ...defaults, stabilise: true, mode: 'motion', layout: 'side-by-side', motionWindow: 5 });
    expect(problems({ ...base, mode: 'slow' })).toHaveLength(1);
    expect(problems({ ...base, motionWindow: 8 })).toEqual(['motionWindow: expected an odd motion window (the frame in the middle)']);
  });
});

describe('a timelapse-commands message', () => {
  const messageProblems = (value: unknown) => {
    const parsed = TimelapseCommandMessageSchema.safeParse(value);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  const { solStart: _s, solEnd: _e, ...noSols } = base;

  it('carries sols, or a sequence id instead of them, and an eye', () => {
    expect(TimelapseCommandMessageSchema.parse({ ...noSols, camera: 'navcam', sequenceId: 'ncam00545', eye: 'right' })).toEqual({
      ...noSols,
      camera: 'NAVCAM',
      sequenceId: 'NCAM00545',
      eye: 'right',
    });
    expect(TimelapseCommandMessageSchema.parse({ ...base, sequenceId: 'NCAM02394' })).toEqual({ ...base, sequenceId: 'NCAM02394' });
    expect(messageProblems(noSols)).toEqual(['solStart: expected solStart and solEnd, or a sequenceId']);
    expect(messageProblems({ ...noSols, solStart: 3, sequenceId: 'NCAM00545' })).toEqual(['solEnd: expected both solStart and solEnd, or neither']);
    expect(messageProblems({ ...base, solStart: 10, solEnd: 5 })).toEqual(['solEnd: solEnd must not be before solStart']);
    expect(messageProblems({ ...base, eye: 'both' })).toHaveLength(1);
    // The command the handler renders always has its sols.
    expect(problems({ ...noSols, sequenceId: 'NCAM00545' })).toHaveLength(2);
  });
});

describe('timelapse events', () => {
  it('are stamped and checked by status', () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    expect(timelapseEvent({ requestId: 'r-1', status: 'progress', stage: 'encode', fraction: 0.5 }, () => at)).toEqual({
      requestId: 'r-1',
      status: 'progress',
      stage: 'encode',
      fraction: 0.5,
      at: at.toISOString(),
    });
    const missingKeys = TimelapseEventSchema.safeParse({ requestId: 'r-1', status: 'completed', url: 'http://x/y', at: at.toISOString() });
    expect(missingKeys.success).toBe(false);
    expect(z.prettifyError(missingKeys.error!)).toContain('keys');
    expect(() => timelapseEvent({ requestId: 'r-1', status: 'failed', reason: '' })).toThrow();
  });
});

describe('an ingestion-runs message', () => {
  const run = {
    runId: 'ingest-1:1', source: 'feed', rover: 'curiosity', solStart: 670, solEnd: 670, status: 'completed', attempt: 1,
    requests: 2, records: 40, quarantined: 0, retries: 0, rateLimitWaits: 0, rateLimitWaitMs: 0, objects: 1, error: null,
    startedAt: '2026-01-02T03:04:05.000Z', finishedAt: '2026-01-02T03:04:06.000Z',
  };
  it('names a known source and rover, or is refused before it reaches the run history', () => {
    expect(IngestionRunSchema.parse(run)).toEqual(run);
    const refused = IngestionRunSchema.safeParse({ ...run, source: '<script>', rover: 'x'.repeat(10_000) });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues.map((i) => i.path.join('.'))).toEqual(['source', 'rover']);
  });
});
