import { describe, expect, it } from 'vitest';
import { EventLog } from '../../src/web/event-log.ts';
import { timelapseEvent } from '../../src/timelapse/schemas.ts';

describe('EventLog', () => {
  it('keeps each request’s events, answers the final one as latest, and streams new ones', () => {
    const log = new EventLog();
    const seen: string[] = [];
    const stop = log.subscribe('a', (e) => seen.push(e.status));
    log.record(timelapseEvent({ requestId: 'a', status: 'accepted' }));
    log.record(timelapseEvent({ requestId: 'b', status: 'accepted' }));
    log.record(timelapseEvent({ requestId: 'a', status: 'completed', keys: { video: 'v', poster: 'p', contact: 'c', manifest: 'm' }, url: 'http://x/v', framesAccepted: 2, framesRejected: 0, durationSeconds: 0.2 }));
    // A late progress event (another partition) does not hide the outcome.
    log.record(timelapseEvent({ requestId: 'a', status: 'progress', stage: 'encode', fraction: 0.9 }));
    stop();
    log.record(timelapseEvent({ requestId: 'a', status: 'progress', stage: 'publish', fraction: 1 }));
    expect(seen).toEqual(['accepted', 'completed', 'progress']);
    expect(log.latest('a')?.status).toBe('completed');
    expect(log.history('a')).toHaveLength(4);
    expect(log.pending().map((e) => e.requestId)).toEqual(['b']);
  });

  it('forgets the least recently updated requests beyond its bound', () => {
    const log = new EventLog({ maxRequests: 2, maxEventsPerRequest: 3 });
    for (const id of ['a', 'b', 'a', 'c']) log.record(timelapseEvent({ requestId: id, status: 'accepted' }));
    expect(log.history('b')).toEqual([]);
    expect(log.history('a')).toHaveLength(2);
    for (let i = 0; i < 5; i++) log.record(timelapseEvent({ requestId: 'c', status: 'progress', stage: 'encode', fraction: i / 10 }));
    // The first event (accepted) is kept, then the latest ones.
    expect(log.history('c').map((e) => (e.status === 'progress' ? e.fraction : e.status))).toEqual(['accepted', 0.3, 0.4]);
  });
});
