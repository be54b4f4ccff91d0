import { mkdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/platform/config.ts';
import { silentLogger } from '../src/platform/logger.ts';
import { EmbeddedS3 } from '../src/platform/object-store/embedded-s3.ts';
import { ObjectStore } from '../src/platform/object-store/object-store.ts';
import { buildWarehouse } from '../src/warehouse/build-warehouse.ts';
import { DuckDbWarehouse } from '../src/warehouse/duckdb-warehouse.ts';
import { stagingDir } from '../src/warehouse/staging.ts';
import { writeCorpusApart } from './metadata-corpus.ts';

/**
 * The metadata benchmark: a synthetic Curiosity-sized archive (see metadata-corpus.ts) in raw
 * envelopes on the embedded object store, then load + model build, then a no-change re-run. The baseline
 * is DuckDB alone counting the same records from the same files with read_json + unnest.
 */
export interface MetadataBenchOptions {
  /** Default 520,000 (Curiosity's real archive is about 670,000). */
  photos?: number;
  /** Default 200 photos a sol. */
  photosPerSol?: number;
  /** Default 10 sols an object, as ingestion batches them. */
  solsPerObject?: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const rate = (rows: number, ms: number) => `${Math.round(rows / (ms / 1000)).toLocaleString('en-US')} rows/s`;

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

export async function runMetadataBench(options: MetadataBenchOptions = {}): Promise<void> {
  const photos = options.photos ?? 520_000;
  const perSol = options.photosPerSol ?? 200;
  const solsPerObject = options.solsPerObject ?? 10;
  const dir = path.join(os.tmpdir(), `mars-bench-${process.pid}`);
  // The embedded warehouse as configured (DUCKDB_MEMORY_LIMIT), for the warehouse and the baselines alike.
  const config = loadConfig(process.env).warehouse;
  const memoryLimit = config.kind === 'duckdb' ? config.memoryLimit : undefined;
  // The baselines' copies of the envelopes lie where the warehouse may read files: the staging folder.
  const envelopes = await stagingDir('bench-');
  await mkdir(dir, { recursive: true });
  const s3Directory = path.join(dir, 's3');
  const s3 = new EmbeddedS3({ directory: s3Directory, bucket: 'bench' });
  let warehouse: DuckDbWarehouse | undefined;
  try {
    // The corpus, written by a child process: its memory is not in this process's peak RSS.
    const generation = await timed(() => writeCorpusApart({ photos, perSol, solsPerObject, s3Directory, envelopes }));
    const { files, bytes, largest } = generation.value;
    console.log(`metadata bench: ${photos.toLocaleString('en-US')} photo records in ${files.length} raw objects (${(bytes / 1e6).toFixed(0)} MB), written in ${seconds(generation.ms)}`);
    await s3.start();
    // As the runtime opens the embedded store: raw objects are linked from its folder, listings read it.
    const store = new ObjectStore({ endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, bucket: 'bench', objectFile: s3.objectFile, listObjectFiles: s3.listObjectFiles });

    // Baselines in the same run, first, in a warehouse file of their own with the same settings
    // (DuckDB at its best: a fresh buffer pool, nothing else in the file): DuckDB alone reading
    // the same files in one statement, counting the records, and writing them (raw JSON, one row
    // each) into a table. Its object size limit is the largest file's, as the loader's is.
    const list = files.map((f) => `'${f}'`).join(', ');
    const records = `SELECT unnest(records) AS r FROM read_json([${list}], format = 'unstructured', maximum_object_size = ${largest}, columns = {records: 'JSON[]'})`;
    const bare = await DuckDbWarehouse.open(path.join(dir, 'baseline.duckdb'), { memoryLimit });
    const { baseline, bareWrite } = await (async () => {
      try {
        const baseline = await timed(async () => Number(Object.values((await bare.query(`SELECT COUNT(*) AS n FROM (${records})`))[0]!)[0]));
        return { baseline, bareWrite: await timed(() => bare.exec(`CREATE TABLE main.BASELINE AS ${records}`)) };
      } finally {
        await bare.close();
      }
    })();

    warehouse = await DuckDbWarehouse.open(path.join(dir, 'bench.duckdb'), { memoryLimit });
    const first = await timed(() => buildWarehouse({ warehouse: warehouse!, store, logger: silentLogger }));
    const { load: loadMs, models: modelMs, tests: testMs } = first.value.timings;
    const [{ n: flat }] = (await warehouse.query('SELECT COUNT(*) AS n FROM MARS_SILVER.FLAT_PHOTO_RESPONSE')) as Array<{ n: number }>;
    if (first.value.load.rows !== photos || flat !== photos) {
      throw new Error(`bench loaded ${first.value.load.rows} Bronze rows and ${flat} Silver rows, expected ${photos}`);
    }
    const again = await timed(() => buildWarehouse({ warehouse: warehouse!, store, logger: silentLogger }));
    const [{ n: flatAgain }] = (await warehouse.query('SELECT COUNT(*) AS n FROM MARS_SILVER.FLAT_PHOTO_RESPONSE')) as Array<{ n: number }>;

    const dbSize = (await stat(path.join(dir, 'bench.duckdb'))).size;
    const [settings] = await warehouse.query("SELECT current_setting('memory_limit') AS memory_limit, current_setting('threads') AS threads");

    console.log(`  load into Bronze:           ${seconds(loadMs).padStart(8)}  ${rate(photos, loadMs)}`);
    console.log(`  Silver + Gold models:       ${seconds(modelMs).padStart(8)}  ${rate(photos, modelMs)} (${first.value.models.length} models)`);
    console.log(`  data tests:                 ${seconds(testMs).padStart(8)}  ${first.value.testsPassed} passed, ${first.value.testsFailed} failed`);
    console.log(`  load + build (total):       ${seconds(first.ms).padStart(8)}  ${rate(photos, first.ms)}`);
    console.log(`  no-change re-run:           ${seconds(again.ms).padStart(8)}  (${again.value.load.loaded} objects loaded, ${again.value.models.find((m) => m.name === 'FLAT_PHOTO_RESPONSE')?.merged} rows merged, Silver rows ${flatAgain === flat ? 'unchanged' : 'CHANGED'})`);
    console.log(`  baseline (bare read_json):  ${seconds(baseline.ms).padStart(8)}  ${rate(baseline.value, baseline.ms)} (counted ${baseline.value.toLocaleString('en-US')})`);
    console.log(`  baseline (bare write):      ${seconds(bareWrite.ms).padStart(8)}  ${rate(photos, bareWrite.ms)} (one CREATE TABLE AS over all files)`);
    console.log(`  load vs baselines:          ${(loadMs / baseline.ms).toFixed(1)}x the bare read, ${(loadMs / bareWrite.ms).toFixed(1)}x the bare write; load + build ${(first.ms / bareWrite.ms).toFixed(1)}x the bare write`);
    console.log(`  warehouse file:             ${(dbSize / 1e6).toFixed(0)} MB`);
    console.log(`load + build vs bare write: ${(first.ms / bareWrite.ms).toFixed(2)}x`);
    console.log(`no-change re-run: ${(again.ms / 1000).toFixed(2)} s`);
    // maxRSS is in kibibytes.
    console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (DuckDB memory_limit ${String(settings!.memory_limit)}, ${String(settings!.threads)} threads)`);
  } finally {
    await warehouse?.close();
    await s3.close();
    await rm(dir, { recursive: true, force: true });
    await rm(envelopes, { recursive: true, force: true });
  }
}
