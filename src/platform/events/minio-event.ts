import type { S3EventRecord } from '../object-store/embedded-s3.ts';
import type { MinioEvent } from '../kafka/topics.ts';

/** MinIO escapes keys in records like Go's url.QueryEscape: spaces become '+'. */
function queryEscape(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+');
}

/** The object key of a record, as stored: records carry it URL-encoded (MinIO, AWS). */
export function recordKey(record: S3EventRecord): string {
  return decodeURIComponent(record.s3.object.key.replace(/\+/g, '%20'));
}

/** Whether a record announces a new object version (Put, Post, Copy, CompleteMultipartUpload). */
export function isObjectCreated(record: S3EventRecord): boolean {
  return /(^|:)ObjectCreated:/.test(record.eventName);
}

/**
 * Turns one s3rver notification record (plain key, `ObjectCreated:Put`) into the value MinIO's
 * Kafka target publishes (`s3:ObjectCreated:Put`, `Key` = `<bucket>/<key>`, the record's key
 * URL-encoded), so consumers cannot tell the embedded store from MinIO.
 */
export function toMinioEvent(record: S3EventRecord, now: () => Date = () => new Date()): MinioEvent {
  const eventName = record.eventName.startsWith('s3:') ? record.eventName : `s3:${record.eventName}`;
  const bucket = record.s3.bucket.name;
  const key = record.s3.object.key;
  return {
    EventName: eventName,
    Key: `${bucket}/${key}`,
    Records: [
      {
        eventName,
        eventTime: record.eventTime ?? now().toISOString(),
        s3: {
          bucket: { name: bucket },
          object: {
            key: queryEscape(key),
            ...(record.s3.object.size !== undefined ? { size: record.s3.object.size } : {}),
            ...(record.s3.object.eTag !== undefined ? { eTag: record.s3.object.eTag } : {}),
            ...(record.s3.object.sequencer !== undefined ? { sequencer: record.s3.object.sequencer } : {}),
          },
        },
      },
    ],
  };
}
