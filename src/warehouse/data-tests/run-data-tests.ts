import type { Logger } from '../../platform/logger.ts';
import { errorMessage } from '../../platform/errors.ts';
import { loadProject, type Project } from '../models/project.ts';
import type { Row, Warehouse } from '../warehouse.ts';
import { compileDataTests } from './compile.ts';

export interface DataTestResult {
  name: string;
  model: string;
  passed: boolean;
  /** Number of failing rows (0 when passed; null when the test's query itself failed). */
  failures: number | null;
  /** Up to `sampleSize` failing rows, to show what is wrong. */
  sample: Row[];
  /** The query's error, when it could not run (e.g. the model's table is missing). */
  error?: string;
  sql: string;
}

export interface DataTestOptions {
  warehouse: Warehouse;
  logger: Logger;
  /** Default: the project under `sql/`. */
  project?: Project;
  /** Only tests whose name contains this text. */
  select?: string;
  /** Default 5. */
  sampleSize?: number;
}

const firstValue = (row: Row | undefined): number => Number(Object.values(row ?? {})[0] ?? 0);

/** Runs every declared data test; never throws for a failing test, only reports it. */
export async function runDataTests(options: DataTestOptions): Promise<DataTestResult[]> {
  const project = options.project ?? (await loadProject());
  const sampleSize = options.sampleSize ?? 5;
  const logger = options.logger.child({ module: 'data-tests' });
  const results: DataTestResult[] = [];
  for (const test of compileDataTests(project)) {
    if (options.select && !test.name.includes(options.select)) continue;
    try {
      const failures = firstValue((await options.warehouse.query(`SELECT COUNT(*) AS failures FROM (${test.sql}) t`))[0]);
      const sample = failures > 0 ? await options.warehouse.query(`SELECT * FROM (${test.sql}) t LIMIT ${sampleSize}`) : [];
      results.push({ name: test.name, model: test.model, passed: failures === 0, failures, sample, sql: test.sql });
    } catch (error) {
      results.push({ name: test.name, model: test.model, passed: false, failures: null, sample: [], error: errorMessage(error), sql: test.sql });
    }
    const last = results.at(-1)!;
    if (!last.passed) logger.warn({ test: last.name, failures: last.failures, error: last.error }, 'data test failed');
  }
  return results;
}
