import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IngestRequest } from './ingest-request.ts';

/** The bundled offline sample (see sample/README.md): real metadata, derived frames. */
export const SAMPLE = {
  dir: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'sample'),
  rover: 'perseverance',
  camera: 'NAVCAM_LEFT',
  solStart: 394,
  solEnd: 394,
} as const;

/** What `mars start` ingests from the sample: the sol's photos, the manifest, both traverse layers. */
export const SAMPLE_INGESTS: IngestRequest[] = [
  { source: 'photos', rover: SAMPLE.rover, solStart: SAMPLE.solStart, solEnd: SAMPLE.solEnd, force: true },
  { source: 'manifests', rover: SAMPLE.rover },
  { source: 'traverse', rover: SAMPLE.rover },
];
