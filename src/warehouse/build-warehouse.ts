import { randomBytes } from 'node:crypto';
import type { Logger } from '../platform/logger.ts';
import type { ObjectStore } from '../platform/object-store/object-store.ts';
import { ensureBronzeSchema } from './bronze.ts';
import { checkOriginals, type OriginalsCheck } from './check-originals.ts';
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
  /** Where the time went, in milliseconds. */
  timings: { load: number; models: number; tests: number };
}

/**
 * `mars warehouse build`, and what the service runs after loads: take every pending raw
 * object into Bronze, build Silver and Gold in dependency order, then run the data tests.
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
  const { originals, models, tests, testsMs } = await serialize(warehouse, async () => {
    const originals = await checkOriginals({ warehouse, store: options.store, logger });
    const models = await runModels({
      warehouse,
      project,
      logger,
      layers: ['silver', 'gold'],
      onProgress: (p) => onProgress?.({ stage: 'models', done: p.done, total: p.total, item: p.model }),
    });
    const testsStarted = performance.now();
    const tests = options.test === false ? [] : await runDataTests({ warehouse, logger, project });
    if (tests.length > 0) onProgress?.({ stage: 'tests', done: tests.length, total: tests.length, item: 'data tests' });
    return { originals, models, tests, testsMs: performance.now() - testsStarted };
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
    { loaded: load.loaded, rows: load.rows, rejected: load.rejected, models: models.length, testsWarned, testsFailed, ms: Math.round(summary.ms) },
    'warehouse built',
  );
  return summary;
}
