import type { EventEmitter } from 'node:events';
import { errorMessage } from '../errors.ts';
import { once, type Service } from '../lifecycle.ts';
import type { Logger } from '../logger.ts';
import type { KafkaProducer } from '../kafka/producer.ts';
import { Topics } from '../../timelapse/topics.ts';
import { toMinioEvent, type S3EventRecord } from '../../timelapse/minio-event.ts';
import { STAGING_PREFIX } from '../object-store/object-store.ts';

export interface S3EventForwarderOptions {
  /** Emits `record` events: the embedded s3rver (`EmbeddedS3`). */
  source: EventEmitter;
  /** Shared; not closed here. */
  producer: KafkaProducer;
  logger: Logger;
  /** Keys under these prefixes are not forwarded (staging copies and the sol index, which nobody loads). Default: `tmp/`, `index/`. */
  ignorePrefixes?: string[];
}

/**
 * Does for the embedded object store what MinIO's Kafka notification target does: publishes
 * every object-created record to `minio-events`. A record that cannot be published is logged;
 * the loader's catch-up (`loadPending` on every model run) still finds its object.
 */
export class S3EventForwarder implements Service {
  readonly name = 's3-event-forwarder';
  private readonly logger: Logger;
  private readonly inFlight = new Set<Promise<void>>();
  private counts = { forwarded: 0, failed: 0 };
  private readonly listener = (record: S3EventRecord) => this.forward(record);

  constructor(private readonly options: S3EventForwarderOptions) {
    this.logger = options.logger.child({ module: 's3-event-forwarder' });
  }

  async start(): Promise<void> {
    this.options.source.on('record', this.listener);
  }

  private forward(record: S3EventRecord): void {
    const key = record.s3.object.key;
    if ((this.options.ignorePrefixes ?? [STAGING_PREFIX, 'index/']).some((prefix) => key.startsWith(prefix))) return;
    const event = toMinioEvent(record);
    const sending = this.options.producer
      .publish(Topics.minioEvents, event, event.Key)
      .then(() => {
        this.counts.forwarded++;
      })
      .catch((error: unknown) => {
        this.counts.failed++;
        this.logger.error({ key, error: errorMessage(error) }, 'could not forward an object event to minio-events');
      })
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  /** Stops listening, then waits for the events already taken to be sent. */
  close = once(async () => {
    this.options.source.off('record', this.listener);
    await Promise.all([...this.inFlight]);
  });

  describe(): Record<string, unknown> {
    return { ...this.counts, inFlight: this.inFlight.size };
  }
}
