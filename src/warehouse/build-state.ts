import { createHash } from 'node:crypto';
import { z } from 'zod';
import { LEDGER_TABLE } from './bronze.ts';
import type { DataTestResult } from './data-tests/run-data-tests.ts';
import type { Project } from './models/project.ts';
import type { ModelRunResult } from './models/run-models.ts';
import { toTimestamp } from './timestamps.ts';
import { lowerKeys, type Warehouse } from './warehouse.ts';

/**
 * What the last complete build saw, so that a build with nothing new answers from the ledger's
 * load ids instead of rebuilding every model and re-reading every table for its data tests.
 */
export const BUILD_STATE_TABLE = 'MARS_BRONZE.MODEL_BUILDS';

export interface BuildState {
  /** The newest load id in the ledger when the build read Bronze. */
  lastLoadId: number;
  /** Digest of everything else the build depended on (see `inputsDigest`). */
  inputsDigest: string;
  models: ModelRunResult[];
  /** Null when the build ran no data tests. */
  tests: DataTestResult[] | null;
}

const StateRowSchema = z.object({
  last_load_id: z.coerce.number().int(),
  inputs_digest: z.string(),
  models: z.string().transform((text) => JSON.parse(text) as ModelRunResult[]),
  tests: z
    .string()
    .nullable()
    .transform((text) => (text === null ? null : (JSON.parse(text) as DataTestResult[]))),
});

/** The models' and data tests' text, plus whatever the build read that is not in the ledger. */
export function inputsDigest(project: Project, extra: readonly string[]): string {
  const hash = createHash('sha256');
  for (const model of project.order) hash.update(`${model.relation}\u0000${model.template}\u0000`);
  for (const test of project.tests) hash.update(`${test.file}\u0000${JSON.stringify(test.declarations)}\u0000`);
  for (const item of extra) hash.update(`${item}\u0000`);
  return hash.digest('hex');
}

export async function latestLoadId(warehouse: Warehouse): Promise<number> {
  const [row] = await warehouse.query(`SELECT COALESCE(MAX(load_id), 0) AS last_load_id FROM ${LEDGER_TABLE}`);
  return Number(Object.values(row ?? {})[0] ?? 0);
}

export async function readBuildState(warehouse: Warehouse): Promise<BuildState | null> {
  const [row] = await warehouse.query(`SELECT last_load_id, inputs_digest, models, tests FROM ${BUILD_STATE_TABLE} ORDER BY built_at DESC LIMIT 1`);
  if (!row) return null;
  const parsed = StateRowSchema.parse(lowerKeys(row));
  return { lastLoadId: parsed.last_load_id, inputsDigest: parsed.inputs_digest, models: parsed.models, tests: parsed.tests };
}

/** Replaces the recorded state with this build's. */
export async function writeBuildState(warehouse: Warehouse, state: BuildState, now: Date = new Date()): Promise<void> {
  await warehouse.transaction(async (tx) => {
    await tx.exec(`DELETE FROM ${BUILD_STATE_TABLE}`);
    await tx.exec(
      `INSERT INTO ${BUILD_STATE_TABLE} (last_load_id, inputs_digest, built_at, models, tests) VALUES (?, ?, CAST(? AS ${tx.dialect === 'duckdb' ? 'TIMESTAMP' : 'TIMESTAMP_NTZ'}), ?, ?)`,
      [state.lastLoadId, state.inputsDigest, toTimestamp(now.toISOString()), JSON.stringify(state.models), state.tests === null ? null : JSON.stringify(state.tests)],
    );
  });
}
