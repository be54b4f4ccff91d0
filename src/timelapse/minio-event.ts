import { z } from 'zod';

/** One record of an S3 bucket notification, as MinIO and s3rver send them. */
export const S3EventRecordSchema = z.object({
  eventName: z.string(),
  eventTime: z.string().optional(),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({
      key: z.string(),
      size: z.number().optional(),
      eTag: z.string().optional(),
      sequencer: z.string().optional(),
    }),
  }),
});
export type S3EventRecord = z.infer<typeof S3EventRecordSchema>;

/** MinIO's bucket-notification value, as its Kafka target publishes it. */
export const MinioEventSchema = z.object({
  EventName: z.string().min(1),
  /** `<bucket>/<key>`, not URL-encoded. */
  Key: z.string().min(1),
  Records: z
    .array(
      // Keys arrive URL-encoded: one that does not decode is refused here, not thrown by a handler.
      S3EventRecordSchema.superRefine((record, ctx) => {
        try {
          recordKey(record);
        } catch {
          ctx.addIssue({ code: 'custom', path: ['s3', 'object', 'key'], message: 'expected a URL-encoded object key, as MinIO sends it' });
        }
      }),
    )
    .min(1),
});
export type MinioEvent = z.infer<typeof MinioEventSchema>;

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
