import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { z } from 'zod';
import { rawObjectKey, type RawEnvelope } from '../src/timelapse/raw-objects.ts';
import { EmbeddedS3 } from '../src/platform/object-store/embedded-s3.ts';
import { ObjectStore } from '../src/platform/object-store/object-store.ts';

/**
 * The metadata bench's corpus: classic API photo records made from the real sol-0 response (ids,
 * sols, cameras and URLs varied) in raw envelopes, each written to a local file (the baselines'
 * input) and to the embedded store in `s3Directory`, bucket `bench`.
 */
const CorpusRequestSchema = z.object({
  photos: z.number().int().positive(),
  perSol: z.number().int().positive(),
  solsPerObject: z.number().int().positive(),
  s3Directory: z.string().min(1),
  envelopes: z.string().min(1),
});
export type CorpusRequest = z.infer<typeof CorpusRequestSchema>;

const CorpusSchema = z.object({ files: z.array(z.string()), bytes: z.number(), largest: z.number() });
export type Corpus = z.infer<typeof CorpusSchema>;

const here = fileURLToPath(import.meta.url);
const fixtures = path.resolve(path.dirname(here), '..', 'test', 'fixtures', 'nasa');
const CAMERAS = ['FHAZ', 'RHAZ', 'NAVCAM', 'MAST', 'CHEMCAM', 'MAHLI', 'MARDI'];

async function writeCorpus(request: CorpusRequest): Promise<Corpus> {
  const { photos, perSol, solsPerObject, envelopes } = request;
  const template = (JSON.parse(await readFile(path.join(fixtures, 'photos', 'curiosity_sol0.json'), 'utf8')) as { photos: Array<Record<string, unknown>> }).photos;
  const s3 = new EmbeddedS3({ directory: request.s3Directory, bucket: 'bench' });
  await s3.start();
  try {
    const store = new ObjectStore({ endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, bucket: 'bench' });
    await store.ensureBucket();
    const sols = Math.ceil(photos / perSol);
    const files: string[] = [];
    let id = 1;
    let bytes = 0;
    let largest = 0;
    const landing = Date.UTC(2012, 7, 6);
    for (let first = 0; first < sols; first += solsPerObject) {
      const last = Math.min(first + solsPerObject, sols) - 1;
      const records: unknown[] = [];
      for (let sol = first; sol <= last; sol += 1) {
        const earthDate = new Date(landing + Math.round(sol * 88775.244 * 1000)).toISOString().slice(0, 10);
        for (let i = 0; i < perSol && id <= photos; i += 1, id += 1) {
          const base = template[id % template.length]!;
          const camera = CAMERAS[(sol + i) % CAMERAS.length]!;
          records.push({
            ...base,
            id,
            sol,
            earth_date: earthDate,
            camera: { ...(base.camera as object), name: camera, full_name: `${camera} camera` },
            img_src: `http://mars.jpl.nasa.gov/msl-raw-images/proj/msl/redops/ods/surface/sol/${String(sol).padStart(5, '0')}/opgs/edr/${camera.toLowerCase()}/${id}.JPG`,
          });
        }
      }
      const envelope: RawEnvelope = {
        source: 'photos',
        rover: 'curiosity',
        solStart: first,
        solEnd: last,
        variant: null,
        ingestedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, first)).toISOString(),
        requests: [`https://example.invalid/rovers/curiosity/photos?sol=${first}`],
        records,
      };
      const body = Buffer.from(JSON.stringify(envelope));
      const file = path.join(envelopes, `sol-${first}.json`);
      await writeFile(file, body);
      await store.putBuffer(rawObjectKey(envelope), body, 'application/json');
      files.push(file);
      bytes += body.length;
      largest = Math.max(largest, body.length);
    }
    return { files, bytes, largest };
  } finally {
    await s3.close();
  }
}

/**
 * Writes the corpus in a child process (this file run as a script), so that the memory it took
 * is not in the bench's peak RSS, which is the load's and build's.
 */
export async function writeCorpusApart(request: CorpusRequest): Promise<Corpus> {
  const { stdout } = await promisify(execFile)(process.execPath, [...process.execArgv, here, JSON.stringify(request)], { maxBuffer: 64 * 1024 * 1024 });
  return CorpusSchema.parse(JSON.parse(stdout));
}

if (process.argv[1] === here) {
  process.stdout.write(JSON.stringify(await writeCorpus(CorpusRequestSchema.parse(JSON.parse(process.argv[2] ?? '')))));
}
