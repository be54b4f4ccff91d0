import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SolIndex } from '../../src/ingest/sol-index.ts';
import type { ObjectStore } from '../../src/platform/object-store/object-store.ts';
import { startTestS3 } from '../support/s3.ts';

const sorted = (sols: Set<number>) => [...sols].sort((a, b) => a - b);

describe('SolIndex', () => {
  let s3: Awaited<ReturnType<typeof startTestS3>>;
  const listed: string[] = [];
  let index: SolIndex;
  beforeAll(async () => {
    s3 = await startTestS3();
    // Every listing the index asks for, to show a question reads only its range's folders.
    const store = new Proxy(s3.store, {
      get(target, property, receiver) {
        if (property === 'list' || property === 'listFolders') {
          return (prefix: string) => {
            listed.push(prefix);
            return (target[property] as (p: string) => AsyncGenerator<unknown>).call(target, prefix);
          };
        }
        return Reflect.get(target, property, receiver) as unknown;
      },
    }) as ObjectStore;
    index = new SolIndex(store);
    await index.record('photos', 'curiosity', [0, 1, 2, 3, 4], 'raw/photos/curiosity/sol-0-4/a.json');
    await index.record('photos', 'curiosity', [99, 100, 250, 4100], 'raw/photos/curiosity/sol-99-4100/b.json');
    await index.record('feed', 'curiosity', [7, 8], 'raw/feeds/curiosity/sol-7-8/c.json');
    await index.record('photos', 'spirit', [5], 'raw/photos/spirit/sol-5-5/d.json');
  });
  afterAll(() => s3.close());

  it('answers the ingested sols of a range, per rover and source', async () => {
    expect(sorted(await index.ingested('photos', 'curiosity', 0, 300))).toEqual([0, 1, 2, 3, 4, 99, 100, 250]);
    expect(sorted(await index.ingested('photos', 'curiosity', 3, 99))).toEqual([3, 4, 99]);
    expect(sorted(await index.ingested('feed', 'curiosity', 0, 10))).toEqual([7, 8]);
    expect(sorted(await index.ingested('photos', 'opportunity', 0, 10))).toEqual([]);
    expect(sorted(await index.ingestedFromAny('curiosity', 0, 10))).toEqual([0, 1, 2, 3, 4, 7, 8]);
  });

  it('knows the highest sol per rover and source', async () => {
    expect(await index.highest('photos', 'curiosity')).toBe(4100);
    expect(await index.highest('feed', 'curiosity')).toBe(8);
    expect(await index.highest('photos', 'spirit')).toBe(5);
    expect(await index.highest('photos', 'opportunity')).toBeUndefined();
  });

  it('reads only the folders of the range asked about, however long the mission', async () => {
    listed.length = 0;
    expect(sorted(await index.ingested('photos', 'curiosity', 4100, 4100))).toEqual([4100]);
    expect(listed).toEqual(['index/sols/photos/curiosity/000041/']);
  });

  it('keeps markers out of raw/, so the loader never sees them', async () => {
    const raw: string[] = [];
    for await (const object of s3.store.list('raw/')) raw.push(object.key);
    expect(raw).toEqual([]);
    expect(await s3.store.getJson('index/sols/photos/curiosity/000002/250.json')).toEqual({ sol: 250, rawKey: 'raw/photos/curiosity/sol-99-4100/b.json' });
  });
});
