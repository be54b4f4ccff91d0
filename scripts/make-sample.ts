// Regenerates the offline sample under `sample/` from the real NASA data in
// test/fixtures/nasa: the metadata is copied as recorded (the traverse trimmed to the sols
// around the sample), and the frames are derived from one real Navcam frame, because no public
// copy of the sol-394 image sequence exists. Run: node --import tsx scripts/make-sample.ts
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { z } from 'zod';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nasa = path.join(root, 'test', 'fixtures', 'nasa');
const sample = path.join(root, 'sample');

const SOURCE_FRAME = 'NLF_0670_0726421423_362ECM_N0320604NCAM08111_01_095J01.png';
const ROVER = 'perseverance';
const SOL = 394;
const CAMERA = 'NAVCAM_LEFT';
/** Traverse features kept: a few sols either side, so the map shows where the rover came from. */
const TRAVERSE_SOLS = { from: 380, to: 400 };
/** Output frame size: small enough that the first video is ready quickly. */
const OUT = { width: 800, height: 600 };
/** The crop window that pans across the 1288x968 source. */
const WINDOW = { width: 1000, height: 750 };
/** Frame positions (in selection order) deliberately degraded so the demo shows rejections. */
const OVEREXPOSED = 6;
const DARK = 13;

const PhotoSchema = z.object({
  id: z.number(),
  sol: z.number(),
  camera: z.object({ name: z.string(), full_name: z.string() }),
  img_src: z.string(),
  earth_date: z.string(),
  rover: z.object({ name: z.string(), landing_date: z.string(), launch_date: z.string(), status: z.string() }),
});
const PhotosSchema = z.object({ photos: z.array(PhotoSchema) });
const FeatureSchema = z.object({ properties: z.object({ sol: z.number().optional() }).loose() }).loose();
const LayerSchema = z.object({ features: z.array(FeatureSchema) }).loose();

async function main(): Promise<void> {
  const photosText = await readFile(path.join(nasa, 'photos', `${ROVER}_sol${SOL}.json`), 'utf8');
  const photos = PhotosSchema.parse(JSON.parse(photosText)).photos;
  const frames = photos.filter((p) => p.camera.name === CAMERA).sort((a, b) => a.id - b.id);
  if (frames.length !== 20) throw new Error(`expected 20 ${CAMERA} photos on sol ${SOL}, found ${frames.length}`);

  await rm(path.join(sample, 'images'), { recursive: true, force: true });
  for (const folder of ['photos', 'manifests', 'traverse', 'images']) await mkdir(path.join(sample, folder), { recursive: true });

  // The photo response, byte for byte.
  await writeFile(path.join(sample, 'photos', `${ROVER}_sol${SOL}.json`), photosText);

  // A manifest covering exactly the sample: computed from the photo response above.
  const first = photos[0]!;
  const cameras = [...new Set(photos.map((p) => p.camera.name))].sort();
  const manifest = {
    photo_manifest: {
      name: first.rover.name,
      landing_date: first.rover.landing_date,
      launch_date: first.rover.launch_date,
      status: first.rover.status,
      max_sol: SOL,
      max_date: first.earth_date,
      total_photos: photos.length,
      photos: [{ sol: SOL, earth_date: first.earth_date, total_photos: photos.length, cameras }],
    },
  };
  await writeFile(path.join(sample, 'manifests', `manifest_${ROVER}.json`), `${JSON.stringify(manifest, null, 2)}\n`);

  // The traverse layer, trimmed to the features of the sols around the sample (values unchanged).
  const traverseText = await readFile(path.join(nasa, 'traverse', 'M20_traverse.json'), 'utf8');
  const traverse = LayerSchema.parse(JSON.parse(traverseText));
  const kept = traverse.features.filter((f) => {
    const s = f.properties.sol;
    return s !== undefined && s >= TRAVERSE_SOLS.from && s <= TRAVERSE_SOLS.to;
  });
  await writeFile(path.join(sample, 'traverse', 'M20_traverse.json'), `${JSON.stringify({ ...traverse, features: kept })}\n`);
  await writeFile(
    path.join(sample, 'traverse', 'M20_waypoints.json'),
    await readFile(path.join(nasa, 'traverse', 'M20_waypoints.json'), 'utf8'),
  );

  // Frames: a slow pan across the real frame with a gentle brightness drift, two degraded.
  const source = sharp(path.join(nasa, 'images', SOURCE_FRAME));
  const meta = await source.metadata();
  const span = { x: (meta.width ?? 0) - WINDOW.width, y: (meta.height ?? 0) - WINDOW.height };
  for (const [index, photo] of frames.entries()) {
    const t = index / (frames.length - 1);
    const left = Math.round(span.x * t);
    const top = Math.round(span.y * (0.5 + 0.5 * Math.sin(t * Math.PI * 2)) * 0.6);
    let frame = sharp(path.join(nasa, 'images', SOURCE_FRAME))
      .extract({ left, top, width: WINDOW.width, height: WINDOW.height })
      .resize(OUT.width, OUT.height)
      .modulate({ brightness: 0.94 + 0.12 * t });
    if (index === OVEREXPOSED) frame = frame.linear(2, 40);
    if (index === DARK) frame = frame.linear(0.02, 0);
    const name = path.basename(new URL(photo.img_src).pathname);
    await writeFile(path.join(sample, 'images', name), await frame.jpeg({ quality: 82, mozjpeg: true }).toBuffer());
  }
  process.stdout.write(`sample written: ${frames.length} frames, ${kept.length} traverse features\n`);
}

await main();
