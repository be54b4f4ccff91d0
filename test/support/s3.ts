import { EmbeddedS3 } from '../../src/platform/object-store/embedded-s3.ts';
import { ObjectStore } from '../../src/platform/object-store/object-store.ts';
import { tempDir, uniqueName } from './temp.ts';

/** A real s3rver on a random port with its own bucket and folder. */
export async function startTestS3(): Promise<{ s3: EmbeddedS3; store: ObjectStore; close: () => Promise<void> }> {
  const { dir, cleanup } = await tempDir('mars-s3');
  const bucket = uniqueName('bucket');
  const s3 = new EmbeddedS3({ directory: dir, bucket });
  await s3.start();
  const store = new ObjectStore({ endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, bucket });
  await store.ensureBucket();
  return {
    s3,
    store,
    close: async () => {
      await s3.close();
      await cleanup();
    },
  };
}
