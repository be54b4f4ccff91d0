import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMetadataBench } from './metadata.ts';

/** `npm run bench`: the metadata pipeline's figures, then the media pipeline's when present. */
const here = path.dirname(fileURLToPath(import.meta.url));

await runMetadataBench();
const media = path.join(here, 'media.ts');
if (existsSync(media)) {
  const { runMediaBench } = (await import(media)) as { runMediaBench: () => Promise<void> };
  await runMediaBench();
}
