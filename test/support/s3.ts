import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EmbeddedS3 } from '../../src/platform/object-store/embedded-s3.ts';
import { ObjectStore } from '../../src/platform/object-store/object-store.ts';
import { tempDir, uniqueName } from './temp.ts';

/** A real s3rver on a random port with its own bucket and folder. */
export async function startTestS3(): Promise<{ s3: EmbeddedS3; store: ObjectStore; dir: string; close: () => Promise<void> }> {
  const { dir, cleanup } = await tempDir('mars-s3');
  const bucket = uniqueName('bucket');
  const s3 = new EmbeddedS3({ directory: dir, bucket });
  await s3.start();
  const store = new ObjectStore({ endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, bucket });
  await store.ensureBucket();
  return {
    s3,
    store,
    dir,
    close: async () => {
      await s3.close();
      await cleanup();
    },
  };
}

/**
 * Writes objects straight into s3rver's folder, as the three files its PUT leaves (content, MD5,
 * metadata): thousands of objects in a second instead of a minute, for tests about reading them.
 * Every read afterwards goes through the S3 API. No bucket events are emitted.
 */
export async function seedObjects(dir: string, bucket: string, objects: Iterable<[key: string, body: Buffer]>, contentType = 'application/json'): Promise<void> {
  const folders = new Set<string>();
  const writes: Array<() => Promise<unknown>> = [];
  for (const [key, body] of objects) {
    const file = path.join(dir, bucket, ...key.split('/'));
    folders.add(path.dirname(file));
    writes.push(
      () => writeFile(`${file}._S3rver_object`, body),
      () => writeFile(`${file}._S3rver_object.md5`, createHash('md5').update(body).digest('hex')),
      () => writeFile(`${file}._S3rver_metadata.json`, JSON.stringify({ 'content-type': contentType })),
    );
  }
  for (const folder of folders) await mkdir(folder, { recursive: true });
  for (let start = 0; start < writes.length; start += 256) await Promise.all(writes.slice(start, start + 256).map((write) => write()));
}
