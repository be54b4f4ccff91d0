import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMetadataBench } from './metadata.ts';

/**
 * `npm run bench`: the metadata pipeline's figures, then the media pipeline's when present.
 * `npm run bench -- media` (or `-- metadata`) runs only that one.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const BENCHES = ['metadata', 'media'];
const unknown = only.filter((name) => !BENCHES.includes(name));
if (unknown.length > 0) throw new Error(`Expected a bench name (${BENCHES.join(', ')}) but received ${JSON.stringify(unknown.join(' '))}`);
const wanted = (name: string) => only.length === 0 || only.includes(name);

if (wanted('metadata')) await runMetadataBench();
const media = path.join(here, 'media.ts');
if (wanted('media') && existsSync(media)) {
  const { runMediaBench } = (await import(media)) as { runMediaBench: () => Promise<void> };
  await runMediaBench();
}
