import { randomBytes } from 'node:crypto';
import type { Logger } from '../platform/logger.ts';
import type { ObjectStore } from '../platform/object-store/object-store.ts';
import { ensureBronzeSchema } from './bronze.ts';
import { inputsDigest, latestLoadId, readBuildState, writeBuildState } from './build-state.ts';
import { checkOriginals, MISSING_ORIGINALS_TABLE, type OriginalsCheck } from './check-originals.ts';
import { OpsStore } from './ops/ops-store.ts';
import { runDataTests, type DataTestResult } from './data-tests/run-data-tests.ts';
import { loadPending, type PendingSummary } from './loader.ts';
import { loadProject, type Project } from './models/project.ts';
import { runModels, type ModelRunResult } from './models/run-models.ts';
import { serialize } from './serialize.ts';
import type { Warehouse } from './warehouse.ts';

export type BuildStage = 'load' | 'models' | 'tests';

export interface BuildProgress {
  stage: BuildStage;
  done: number;
  total: number;
  /** The object key or model being worked on. */
  item: string;
}

export interface BuildOptions {
  warehouse: Warehouse;
  store: ObjectStore;
  logger: Logger;
  onProgress?: (p: BuildProgress) => void;
  /** Default: the project under `sql/`. */
  project?: Project;
  /** Default true: run the data tests after the models. */
  test?: boolean;
  /** Default true: keep the build, its model runs and test results in MARS_OPS. */
  record?: boolean;
}

export interface BuildSummary {
  load: PendingSummary;
  /** Downloaded originals checked against the store, and how many are gone. */
  originals: OriginalsCheck;
  models: ModelRunResult[];
  tests: DataTestResult[];
  testsPassed: number;
  /** Warn-severity tests that found rows (anomalies): reported, not failing. */
  testsWarned: number;
  testsFailed: number;
  /** True when no data test failed; warnings do not count (refused raw objects are in `load.rejections`). */
  ok: boolean;
  ms: number;
  /** True when nothing was new since the last complete build: no model rebuilt, no data test run (its results stand). */
  unchanged: boolean;
  /** Where the time went, in milliseconds. */
  timings: { load: number; models: number; tests: number };
}

/** What the originals check found missing: PHOTO_ANOMALIES reads it, and no load id marks its changes. */
async function missingOriginalKeys(warehouse: Warehouse): Promise<string[]> {
  return (await warehouse.query(`SELECT object_key FROM ${MISSING_ORIGINALS_TABLE} ORDER BY object_key`)).map((row) => String(Object.values(row)[0]));
}

/**
 * `mars warehouse build`, and what the service runs after loads: take every pending raw
 * object into Bronze, build Silver and Gold in dependency order, then run the data tests.
 * When the ledger holds no load newer than the last complete build's and nothing else it read
 * changed, that build's tables and test results stand: nothing is rebuilt or re-tested.
 */
export async function buildWarehouse(options: BuildOptions): Promise<BuildSummary> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const project = options.project ?? (await loadProject());
  const { warehouse, logger, onProgress } = options;
  await ensureBronzeSchema(warehouse, project);
  const loadStarted = performance.now();
  const load = await loadPending({
    warehouse,
    store: options.store,
    logger,
    onProgress: (p) => onProgress?.({ stage: 'load', done: p.done, total: p.total, item: p.key }),
  });
  // Models and tests see one consistent Bronze: loads arriving meanwhile wait for the next build.
  const loadMs = performance.now() - loadStarted;
  const { originals, models, tests, testsMs, unchanged } = await serialize(warehouse, async () => {
    const originals = await checkOriginals({ warehouse, store: options.store, logger });
    const wantTests = options.test !== false;
    // Read before the models: a load committed while they run has a larger id and is built next time.
    const lastLoadId = await latestLoadId(warehouse);
    const digest = inputsDigest(project, await missingOriginalKeys(warehouse));
    const previous = await readBuildState(warehouse);
    if (previous && previous.lastLoadId === lastLoadId && previous.inputsDigest === digest && (previous.tests !== null || !wantTests)) {
      // Nothing new since the last complete build: its tables and test results stand.
      const models = previous.models.map((m) => ({ ...m, merged: m.materialized === 'incremental' ? 0 : undefined, ms: 0 }));
      return { originals, models, tests: wantTests ? previous.tests! : [], testsMs: 0, unchanged: true };
    }
    const models = await runModels({
      warehouse,
      project,
      logger,
      layers: ['silver', 'gold'],
      onProgress: (p) => onProgress?.({ stage: 'models', done: p.done, total: p.total, item: p.model }),
    });
    const testsStarted = performance.now();
    const tests = wantTests ? await runDataTests({ warehouse, logger, project }) : [];
    if (tests.length > 0) onProgress?.({ stage: 'tests', done: tests.length, total: tests.length, item: 'data tests' });
    const testsMs = performance.now() - testsStarted;
    await writeBuildState(warehouse, { lastLoadId, inputsDigest: digest, models, tests: wantTests ? tests : null });
    return { originals, models, tests, testsMs, unchanged: false };
  });
  const testsFailed = tests.filter((t) => t.status === 'fail').length;
  const testsWarned = tests.filter((t) => t.status === 'warn').length;
  const summary: BuildSummary = {
    load,
    originals,
    models,
    tests,
    testsPassed: tests.length - testsFailed - testsWarned,
    testsWarned,
    testsFailed,
    ok: testsFailed === 0,
    unchanged,
    ms: performance.now() - started,
    timings: { load: loadMs, models: models.reduce((n, m) => n + m.ms, 0), tests: testsMs },
  };
  if (options.record !== false) {
    await new OpsStore(warehouse).recordBuild({
      buildId: `${startedAt}-${randomBytes(4).toString('hex')}`,
      startedAt,
      finishedAt: new Date().toISOString(),
      loaded: load.loaded,
      refused: load.rejected,
      models,
      tests,
      ms: summary.ms,
    });
  }
  logger.child({ module: 'build' }).info(
    { loaded: load.loaded, rows: load.rows, rejected: load.rejected, unchanged, models: models.length, testsWarned, testsFailed, ms: Math.round(summary.ms) },
    'warehouse built',
  );
  return summary;
}
