import type { TimelapseEvent } from '../timelapse/schemas.ts';

export type EventListener = (event: TimelapseEvent) => void;

export interface EventLogOptions {
  /** Requests remembered; the oldest are forgotten first. Default 500. */
  maxRequests?: number;
  /** Events kept per request (the first and the latest matter most). Default 50. */
  maxEventsPerRequest?: number;
}

/**
 * The `timelapse-events` a gallery has seen, per request, so a page can show where a request
 * stands and stream what follows. Every gallery process feeds its own log from its own Kafka
 * consumer group, so no replica depends on another's memory.
 */
export class EventLog {
  private readonly events = new Map<string, TimelapseEvent[]>();
  private readonly listeners = new Map<string, Set<EventListener>>();
  private readonly maxRequests: number;
  private readonly maxEvents: number;

  constructor(options: EventLogOptions = {}) {
    this.maxRequests = options.maxRequests ?? 500;
    this.maxEvents = options.maxEventsPerRequest ?? 50;
  }

  record(event: TimelapseEvent): void {
    const list = this.events.get(event.requestId) ?? [];
    // Re-inserting keeps the map in least-recently-updated order for eviction.
    this.events.delete(event.requestId);
    list.push(event);
    if (list.length > this.maxEvents) list.splice(1, list.length - this.maxEvents);
    this.events.set(event.requestId, list);
    while (this.events.size > this.maxRequests) {
      const oldest = this.events.keys().next().value as string;
      this.events.delete(oldest);
    }
    for (const listener of this.listeners.get(event.requestId) ?? []) listener(event);
  }

  history(requestId: string): TimelapseEvent[] {
    return [...(this.events.get(requestId) ?? [])];
  }

  /** The latest event that says where the request stands (a final one wins over later progress). */
  latest(requestId: string): TimelapseEvent | undefined {
    const list = this.events.get(requestId) ?? [];
    const final = list.filter((e) => e.status === 'completed' || e.status === 'failed');
    return final.at(-1) ?? list.at(-1);
  }

  /** Requests with no final event yet, newest first. */
  pending(): TimelapseEvent[] {
    const out: TimelapseEvent[] = [];
    for (const list of this.events.values()) {
      if (!list.some((e) => e.status === 'completed' || e.status === 'failed')) out.push(list.at(-1)!);
    }
    return out.reverse();
  }

  subscribe(requestId: string, listener: EventListener): () => void {
    const set = this.listeners.get(requestId) ?? new Set<EventListener>();
    set.add(listener);
    this.listeners.set(requestId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(requestId);
    };
  }
}
