import { describe, expect, it } from 'vitest';
import { age, pipelinePage } from '../../src/web/pages/pipeline-page.ts';
import type { PipelineView } from '../../src/web/pipeline-data.ts';

const empty = { rows: [] };
const view = (over: Partial<PipelineView>): PipelineView => ({
  ingestRuns: empty,
  ledger: empty,
  ledgerCounts: empty,
  builds: empty,
  modelRuns: empty,
  testHistory: empty,
  planning: empty,
  anomalies: empty,
  anomalyCounts: empty,
  deadLetters: empty,
  ...over,
});

describe('the pipeline page', () => {
  it('escapes what it shows, offers a replay only for letters not replayed, and says why a section is empty', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    const letter = {
      letterId: 'dead-letter/0/1',
      reason: 'invalid-json',
      detail: 'Unexpected token < in JSON',
      topic: 'ingestion-scheduling',
      partition: 0,
      offset: '3',
      key: null,
      value: '<script>alert(1)</script>',
      consumer: 'mars-scheduler',
      deadLetteredAt: '2026-12-01 11:58:00',
      replayedAt: null,
      replayedBy: null,
    };
    const html = pipelinePage(
      view({
        deadLetters: { rows: [letter, { ...letter, letterId: 'dead-letter/0/2', replayedAt: '2026-12-01 11:59:30', replayedBy: 'pipeline page' }] },
        anomalies: { rows: [{ kind: 'missing-photos', rover_name: 'curiosity', sol: 0, camera_name: null, expected: 3702, observed: 3694, detail: 'a <b>' }] },
        builds: { rows: [], error: 'Table MARS_OPS.BUILDS does not exist' },
      }),
      now,
    );
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('a &lt;b&gt;');
    expect(html.match(/data-replay="dead-letter\/0\/1"/g)).toHaveLength(1);
    expect(html).not.toContain('data-replay="dead-letter/0/2"');
    expect(html).toContain('replayed 30 s ago');
    expect(html).toContain('<td class="num">2 min</td>');
    expect(html).toContain('Not available yet: Table MARS_OPS.BUILDS does not exist');
    expect(html).toContain('No ingest job has run yet.');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).toContain('<a href="/pipeline">Pipeline</a>');
  });

  it('says ages in the largest fitting unit', () => {
    const now = Date.parse('2026-12-03T00:00:00Z');
    expect(age('2026-12-02 23:59:30', now)).toBe('30 s');
    expect(age('2026-12-02 23:00:00', now)).toBe('60 min');
    expect(age('2026-12-02 12:00:00', now)).toBe('12 h');
    expect(age('2026-11-30 00:00:00', now)).toBe('3 d');
  });
});
