import type { Logger } from '../../platform/logger.ts';
import { errorMessage } from '../../platform/errors.ts';
import { loadProject, type Project } from '../models/project.ts';
import type { Row, Warehouse } from '../warehouse.ts';
import { compileDataTests } from './compile.ts';
import type { Severity } from '../models/data-test-declarations.ts';

/** `pass`: no rows; `warn`: rows of a warn-severity test; `fail`: rows of an error test, or it could not run. */
export type DataTestStatus = 'pass' | 'warn' | 'fail';

export interface DataTestResult {
  name: string;
  model: string;
  severity: Severity;
  status: DataTestStatus;
  /** False only for a failure: a warning passes. */
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
      const status: DataTestStatus = failures === 0 ? 'pass' : test.severity === 'warn' ? 'warn' : 'fail';
      results.push({ name: test.name, model: test.model, severity: test.severity, status, passed: status !== 'fail', failures, sample, sql: test.sql });
    } catch (error) {
      // A test that cannot run is a failure whatever its severity: the check did not happen.
      const base = { name: test.name, model: test.model, severity: test.severity, sql: test.sql };
      results.push({ ...base, status: 'fail', passed: false, failures: null, sample: [], error: errorMessage(error) });
    }
    const last = results.at(-1)!;
    if (last.status !== 'pass') logger.warn({ test: last.name, status: last.status, failures: last.failures, error: last.error }, last.status === 'warn' ? 'data test warns' : 'data test failed');
  }
  return results;
}
