import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ObjectStore } from '../../src/platform/object-store/object-store.ts';
import type { S3EventRecord } from '../../src/timelapse/minio-event.ts';
import { seedObjects, startTestS3 } from '../support/s3.ts';
import { tempDir } from '../support/temp.ts';

describe('ObjectStore on the embedded s3rver', () => {
  let env: Awaited<ReturnType<typeof startTestS3>>;
  const events: S3EventRecord[] = [];
  beforeAll(async () => {
    env = await startTestS3();
    env.s3.on('record', (record: S3EventRecord) => events.push(record));
  });
  afterAll(() => env.close());

  it('writes, reads, stats and lists objects', async () => {
    const { etag } = await env.store.putJson('raw/test/a.json', { hello: 'mars' });
    expect(etag).toMatch(/^[0-9a-f]{32}$/);
    expect(await env.store.getJson('raw/test/a.json')).toEqual({ hello: 'mars' });
    const info = await env.store.stat('raw/test/a.json');
    expect(info?.etag).toBe(etag);
    expect(info?.size).toBe(JSON.stringify({ hello: 'mars' }).length);
    expect(await env.store.stat('raw/test/missing.json')).toBeNull();
    const keys: string[] = [];
    for await (const item of env.store.list('raw/test/')) keys.push(item.key);
    expect(keys).toEqual(['raw/test/a.json']);
  });

  it('publishes through a staging key and leaves nothing under tmp/', async () => {
    await env.store.publishBuffer('timelapses/x/video.mp4', Buffer.from('0123456789'), 'video/mp4');
    expect((await env.store.getBuffer('timelapses/x/video.mp4')).toString()).toBe('0123456789');
    const staged: string[] = [];
    for await (const item of env.store.list('tmp/')) staged.push(item.key);
    expect(staged).toEqual([]);
  });

  it('stages an object out of sight until it is committed, and a discarded one leaves nothing', async () => {
    const staged: string[] = [];
    const tmp = async () => {
      staged.length = 0;
      for await (const item of env.store.list('tmp/')) staged.push(item.key);
      return staged;
    };
    const kept = await env.store.stageBuffer('timelapses/y/poster.jpg', Buffer.from('poster'), 'image/jpeg');
    const dropped = await env.store.stageBuffer('timelapses/y/contact.jpg', Buffer.from('contact'), 'image/jpeg');
    expect(await env.store.stat('timelapses/y/poster.jpg')).toBeNull();
    expect(await tmp()).toHaveLength(2);
    await kept.commit();
    await dropped.discard();
    await dropped.discard();
    expect((await env.store.getBuffer('timelapses/y/poster.jpg')).toString()).toBe('poster');
    expect(await env.store.stat('timelapses/y/contact.jpg')).toBeNull();
    expect(await tmp()).toEqual([]);
  });

  it('publishes from several writers at once without a server error', async () => {
    // s3rver removes the folders a deleted object leaves empty; deleting one staged object used
    // to remove tmp/ while another was being staged into it (an HTTP 500 the client retried).
    const warn = vi.spyOn(console, 'warn');
    try {
      await Promise.all(
        Array.from({ length: 3 }, async (_, writer) => {
          for (let i = 0; i < 80; i++) await env.store.publishBuffer(`timelapses/race-${writer}/${i}/poster.jpg`, Buffer.from(`${writer}-${i}`), 'image/jpeg');
        }),
      );
      expect(warn.mock.calls.map((call) => String(call[0])).filter((message) => message.includes('Retrying request'))).toEqual([]);
      expect((await env.store.getBuffer('timelapses/race-2/79/poster.jpg')).toString()).toBe('2-79');
    } finally {
      warn.mockRestore();
    }
  });

  it('reads byte ranges', async () => {
    await env.store.putBuffer('ranges/r.bin', Buffer.from('abcdefghij'));
    const chunks: Buffer[] = [];
    for await (const chunk of await env.store.getStream('ranges/r.bin', { offset: 2, length: 3 })) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('cde');
  });

  it('reads an object into a file, through the API or from the embedded store\'s own file, and says when there is none', async () => {
    const { dir, cleanup } = await tempDir('mars-s3-read');
    try {
      const body = Buffer.from('original bytes');
      await env.store.putBuffer('originals/a.jpg', body, 'image/jpeg');
      const local = new ObjectStore({ endpoint: env.s3.endpoint, accessKey: env.s3.accessKey, secretKey: env.s3.secretKey, bucket: env.store.bucket, objectFile: env.s3.objectFile });
      for (const [name, store] of [['api', env.store], ['file', local]] as const) {
        expect(await store.getToFile('originals/a.jpg', path.join(dir, `${name}.jpg`))).toBe(true);
        expect(await readFile(path.join(dir, `${name}.jpg`))).toEqual(body);
        expect(await store.getToFile('originals/missing.jpg', path.join(dir, `${name}-missing.jpg`))).toBe(false);
      }
      // A link is the store's own file: a later write of the key shows through it.
      expect(await local.getToFile('originals/a.jpg', path.join(dir, 'linked.jpg'), { link: true })).toBe(true);
      expect(await local.getToFile('originals/missing.jpg', path.join(dir, 'linked-missing.jpg'), { link: true })).toBe(false);
      await env.store.putBuffer('originals/a.jpg', Buffer.from('rewritten bytes'), 'image/jpeg');
      expect((await readFile(path.join(dir, 'linked.jpg'))).toString()).toBe('rewritten bytes');
      expect((await readFile(path.join(dir, 'file.jpg'))).toString()).toBe('original bytes');
      // A key climbing out of the bucket folder reads no file of the host's.
      await expect(local.getToFile('../other-bucket/secret.jpg', path.join(dir, 'climb.jpg'))).rejects.toThrow('leads outside bucket');
    } finally {
      await cleanup();
    }
  });

  it('emits S3 notification records for created objects', async () => {
    await env.store.putJson('raw/events/e.json', [1, 2, 3]);
    const record = events.find((e) => e.s3.object.key === 'raw/events/e.json');
    expect(record?.eventName).toMatch(/^ObjectCreated:/);
    expect(record?.s3.bucket.name).toBe(env.store.bucket);
  });

  it('lists 10,000 objects under one prefix, past the 1,000-key page', async () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `raw/photos/many/sol-${i}-${i}/20260101T000000000Z.json`);
    await seedObjects(env.dir, env.store.bucket, keys.map((key) => [key, Buffer.from('{}')]));
    // A seeded object reads back through the API as one put there would.
    const put = await env.store.putBuffer('raw/photos/many-put/x.json', Buffer.from('{}'), 'application/json');
    expect(await env.store.stat(keys[0]!)).toMatchObject({ etag: put.etag, size: 2, contentType: 'application/json' });
    const listed: string[] = [];
    for await (const item of env.store.list('raw/photos/many/')) listed.push(item.key);
    expect(listed.length).toBe(10_000);
    expect(listed).toEqual([...keys].sort());
  }, 180_000);

  it('lists from the embedded store\'s folder what the S3 API lists, leaving out an object still being written', async () => {
    const local = new ObjectStore({ endpoint: env.s3.endpoint, accessKey: env.s3.accessKey, secretKey: env.s3.secretKey, bucket: env.store.bucket, listObjectFiles: env.s3.listObjectFiles });
    const listing = async (store: ObjectStore, prefix: string) => {
      const items = [];
      for await (const item of store.list(prefix)) items.push({ key: item.key, etag: item.etag, size: item.size });
      return items;
    };
    await env.store.putBuffer('raw/photos/many-put/y.json', Buffer.from('[1]'), 'application/json');
    for (const prefix of ['raw/photos/many/', 'raw/photos/many-', 'raw/test/a', 'raw/events/', 'nothing/here/']) {
      expect(await listing(local, prefix)).toEqual(await listing(env.store, prefix));
    }
    // All of raw/ in key order, as S3 lists. s3rver's own pages go folder by folder (many/ before
    // many-put/) and its next page starts after the last key, so there it loses raw/photos/many-put/.
    const whole = (await listing(local, 'raw/')).map((item) => item.key);
    expect(whole).toHaveLength(10_000 + 4);
    expect(whole.slice(0, 3)).toEqual(['raw/events/e.json', 'raw/photos/many-put/x.json', 'raw/photos/many-put/y.json']);
    // The bytes are there, the MD5 s3rver writes after them not yet.
    await writeFile(path.join(env.dir, env.store.bucket, 'raw', 'test', 'b.json._S3rver_object'), '{"half":');
    expect((await listing(local, 'raw/test/')).map((item) => item.key)).toEqual(['raw/test/a.json']);
    await expect(listing(local, '../other-bucket/')).rejects.toThrow('leads outside bucket');
  }, 60_000);
});
