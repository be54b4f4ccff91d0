import { sourceOfKey } from '../../timelapse/raw-objects.ts';
import type { KafkaProducer } from '../../platform/kafka/producer.ts';
import { Topics } from '../../timelapse/topics.ts';
import type { Logger } from '../../platform/logger.ts';
import type { ObjectStore } from '../../platform/object-store/object-store.ts';
import { isObjectCreated, recordKey, type MinioEvent } from '../../timelapse/minio-event.ts';

export interface LoadOutcome {
  loaded: boolean;
  table: string | null;
  rows: number;
  reason?: string;
}

export interface LoadOnEventDeps {
  store: ObjectStore;
  /** Loads one object version into Bronze; idempotent per key + ETag. */
  load: (request: { key: string; etag: string }) => Promise<LoadOutcome>;
  producer: KafkaProducer;
  logger: Logger;
  /** Wraps the load for timing (metrics); default: runs it. */
  time?: <T>(stage: string, fn: () => Promise<T>) => Promise<T>;
}

/**
 * The `minio-events` handler: loads each created raw object of our bucket into Bronze, then
 * announces it on `warehouse-load-complete`. It announces repeats too (`loaded: false`): if
 * the process died between load and announcement, the replayed event still triggers a build.
 */
export function loadOnEvent(deps: LoadOnEventDeps): (event: MinioEvent) => Promise<void> {
  const logger = deps.logger.child({ module: 'loader-consumer' });
  const time = deps.time ?? ((_stage, fn) => fn());
  return async (event) => {
    for (const record of event.Records) {
      if (!isObjectCreated(record)) continue;
      const key = recordKey(record);
      if (record.s3.bucket.name !== deps.store.bucket || sourceOfKey(key) === null) {
        logger.debug({ bucket: record.s3.bucket.name, key }, 'event for an object the loader does not take');
        continue;
      }
      // Copy events carry no ETag: ask the store (and skip objects already gone).
      const etag = record.s3.object.eTag ?? (await deps.store.stat(key))?.etag;
      if (!etag) {
        logger.info({ key }, 'object of the event no longer exists');
        continue;
      }
      const result = await time('load', () => deps.load({ key, etag }));
      await deps.producer.publish(
        Topics.warehouseLoadComplete,
        { key, etag, loaded: result.loaded, table: result.table, rows: result.rows, at: new Date().toISOString() },
        key,
      );
    }
  };
}
