import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { once } from '../../platform/lifecycle.ts';
import { TimelapseEventSchema, type CompletedEvent, type FailedEvent, type TimelapseEvent } from '../../timelapse/schemas.ts';
import { TimelapseTopics } from '../../timelapse/topics.ts';

export type FinalEvent = CompletedEvent | FailedEvent;

export interface FollowOptions {
  /** Called for every event of the request, in order. */
  onEvent?: (event: TimelapseEvent) => void;
  /** Consumer group id; default a fresh one, so every follower sees every event. */
  groupId?: string;
}

/**
 * Follows one request on `timelapse-events` until its final event. Start following before
 * publishing the command (await `ready`), so no event can slip by. It reads the topic from the
 * start with its own group: a repeated request id is answered by the events already there.
 * Values that fail the schema are skipped here: the service's consumers dead-letter them.
 */
export class RequestFollower {
  private readonly consumer: Consumer;
  readonly ready: Promise<void>;
  readonly final: Promise<FinalEvent>;
  private resolveFinal!: (event: FinalEvent) => void;

  constructor(
    kafka: Kafka,
    readonly requestId: string,
    private readonly options: FollowOptions = {},
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId ?? `mars-follow-${randomBytes(6).toString('hex')}`,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      allowAutoTopicCreation: true,
    });
    this.final = new Promise((resolve) => (this.resolveFinal = resolve));
    this.ready = this.start();
  }

  private async start(): Promise<void> {
    const joined = new Promise<void>((resolve) => this.consumer.on(this.consumer.events.GROUP_JOIN, () => resolve()));
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: TimelapseTopics.events.name, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(message.value?.toString('utf8') ?? 'null');
        } catch {
          return;
        }
        const event = TimelapseEventSchema.safeParse(parsed);
        if (!event.success || event.data.requestId !== this.requestId) return;
        this.options.onEvent?.(event.data);
        if (event.data.status === 'completed' || event.data.status === 'failed') this.resolveFinal(event.data);
      },
    });
    await joined;
  }

  /** The final event, or a rejection after `timeoutMs`. */
  async wait(timeoutMs: number): Promise<FinalEvent> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no final event for request ${this.requestId} within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    });
    try {
      return await Promise.race([this.final, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close = once(async () => {
    await this.ready.catch(() => undefined);
    await this.consumer.disconnect();
  });
}
