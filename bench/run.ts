import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runMetadataBench } from './metadata.ts';

/**
 * `npm run bench [-- metadata|media ...] [--records N]`: the named benches (default both), the
 * metadata one over N photo records (default 520,000).
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const { values, positionals } = parseArgs({ allowPositionals: true, options: { records: { type: 'string' } } });
const known = ['metadata', 'media'];
const unknown = positionals.filter((name) => !known.includes(name));
if (unknown.length > 0) throw new Error(`Expected bench names among ${known.join(', ')} but received ${unknown.join(', ')}`);
const selected = positionals.length > 0 ? positionals : known;
const records = values.records === undefined ? undefined : Number(values.records);
if (records !== undefined && !(Number.isSafeInteger(records) && records > 0)) throw new Error(`Expected a positive integer for --records but received ${values.records}`);

if (selected.includes('metadata')) await runMetadataBench({ photos: records });
const media = path.join(here, 'media.ts');
if (selected.includes('media') && existsSync(media)) {
  const { runMediaBench } = (await import(media)) as { runMediaBench: () => Promise<void> };
  await runMediaBench();
}
