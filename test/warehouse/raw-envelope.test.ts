import { stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { headerBeforeRecords, StagedObjectChanged, unchangedSinceStaged } from '../../src/warehouse/raw-envelope.ts';
import { tempDir } from '../support/temp.ts';

const header = { source: 'photos', rover: 'spirit', solStart: 1, solEnd: 2, variant: null, ingestedAt: '2026-01-02T03:04:05.006Z', requests: ['http://a/?q="x"\\y', 'http://b/{[,]}'] };

describe('headerBeforeRecords', () => {
  it('parses the fields that come before the records, in any spacing, without reading the records', () => {
    const text = JSON.stringify({ ...header, extra: { nested: [1, { b: '}' }] }, records: [{ id: 1 }] });
    expect(headerBeforeRecords(text.slice(0, text.indexOf('"records"') + 12))).toEqual({ ...header, extra: { nested: [1, { b: '}' }] } });
    expect(headerBeforeRecords(JSON.stringify({ ...header, records: [] }, null, 2))).toEqual(header);
  });

  it('gives null when the first bytes do not hold every header field once before the records', () => {
    const text = JSON.stringify({ ...header, records: [] });
    expect(headerBeforeRecords(text.slice(0, 40))).toBeNull();
    expect(headerBeforeRecords(JSON.stringify({ records: [], ...header }))).toBeNull();
    const { requests: _requests, ...partial } = header;
    expect(headerBeforeRecords(JSON.stringify({ ...partial, records: [], requests: [] }))).toBeNull();
    expect(headerBeforeRecords(`{"source":"photos",${text.slice(1)}`)).toBeNull();
    expect(headerBeforeRecords('<html>502 Bad Gateway</html>')).toBeNull();
    expect(headerBeforeRecords('{"source":photos,"records":[]}')).toBeNull();
    expect(headerBeforeRecords('[1, 2]')).toBeNull();
  });
});

describe('unchangedSinceStaged', () => {
  it('passes files as they were staged and names a key whose file changed since', async () => {
    const { dir, cleanup } = await tempDir('mars-staged');
    try {
      const job = async (name: string) => {
        const file = path.join(dir, name);
        await writeFile(file, '{"records":[]}');
        const staged = await stat(file);
        return { key: `raw/photos/spirit/${name}`, etag: 'e', file, bytes: staged.size, modifiedMs: staged.mtimeMs, table: 'T' };
      };
      const same = await job('same.json');
      const grown = await job('grown.json');
      const touched = await job('touched.json');
      await unchangedSinceStaged([same, grown, touched]);
      await writeFile(grown.file, '{"records":[1]}');
      await expect(unchangedSinceStaged([same, grown])).rejects.toThrow(new StagedObjectChanged(grown.key));
      await utimes(touched.file, new Date(), new Date(touched.modifiedMs + 5000));
      await expect(unchangedSinceStaged([same, touched])).rejects.toThrow('raw object raw/photos/spirit/touched.json was written again while it was loaded');
    } finally {
      await cleanup();
    }
  });
});
