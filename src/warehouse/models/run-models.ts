import { errorMessage, isRetriable, MarsError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Row, Warehouse } from '../warehouse.ts';
import { renderModel } from './render.ts';
import { LAYERS, schemaOf, type Model, type Project } from './project.ts';

/** A model that failed, named, and exactly as retriable as the failure under it (a busy engine passes, bad SQL does not). */
export class ModelFailedError extends MarsError {
  constructor(model: Model, cause: unknown) {
    super(`model ${model.name} (${model.file}) failed: ${errorMessage(cause)}`, 'MODEL_FAILED', isRetriable(cause), { cause });
  }
}

export interface ModelRunResult {
  name: string;
  relation: string;
  materialized: Model['materialized'];
  /** Rows in the table after the run (null for DDL). */
  rows: number | null;
  /** For incremental models: rows merged in this run (0 when nothing new arrived). */
  merged?: number;
  ms: number;
}

export type ModelProgress = (p: { done: number; total: number; model: string }) => void;

const firstNumber = (rows: Row[]): number => Number(Object.values(rows[0] ?? {})[0] ?? 0);

/** What information_schema says `relation` is: 'BASE TABLE', 'VIEW', or undefined when it does not exist. */
async function relationType(warehouse: Warehouse, relation: string): Promise<string | undefined> {
  const [schema, table] = relation.split('.');
  const rows = await warehouse.query('SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [schema, table]);
  return rows.length === 0 ? undefined : String(Object.values(rows[0]!)[0]);
}

export async function tableExists(warehouse: Warehouse, relation: string): Promise<boolean> {
  return (await relationType(warehouse, relation)) !== undefined;
}

/** Drops `relation` when it exists as the other kind: CREATE OR REPLACE replaces a table or a view, never one with the other. */
async function dropOtherKind(warehouse: Warehouse, relation: string, kind: 'TABLE' | 'VIEW'): Promise<void> {
  const type = await relationType(warehouse, relation);
  if (type === 'VIEW' && kind === 'TABLE') await warehouse.exec(`DROP VIEW ${relation}`);
  if (type !== undefined && type !== 'VIEW' && kind === 'VIEW') await warehouse.exec(`DROP TABLE ${relation}`);
}

/** The relation's column names in order, to tell whether a model's columns changed since its table was built. */
async function columnsOf(warehouse: Warehouse, relation: string): Promise<string[]> {
  const [schema, table] = relation.split('.');
  const rows = await warehouse.query(
    'SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position',
    [schema, table],
  );
  return rows.map((row) => String(Object.values(row)[0]).toLowerCase());
}

async function count(warehouse: Warehouse, relation: string): Promise<number> {
  return firstNumber(await warehouse.query(`SELECT COUNT(*) AS n FROM ${relation}`));
}

/**
 * Merges the new rows of an incremental model: they replace rows with the same key unless the
 * table already holds a newer version (larger `updated_at`), so replaying an old object never
 * wins over a later ingestion, and a run with no new Bronze rows touches nothing.
 */
async function mergeIncremental(warehouse: Warehouse, model: Model, select: string): Promise<number | 'columns changed'> {
  const stage = `${model.relation}__STAGE`;
  await warehouse.exec(`CREATE OR REPLACE TABLE ${stage} AS\n${select}`);
  try {
    if ((await columnsOf(warehouse, stage)).join() !== (await columnsOf(warehouse, model.relation)).join()) return 'columns changed';
    const staged = await count(warehouse, stage);
    if (staged === 0) return 0;
    // No alias on the DELETE target: Snowflake's DELETE takes none; both engines accept the bare table name.
    const target = model.name;
    const match = model.uniqueKey.map((k) => `s.${k} = ${target}.${k}`).join(' AND ');
    const upd = model.updatedAt!;
    await warehouse.transaction(async (tx) => {
      await tx.exec(`DELETE FROM ${model.relation} WHERE EXISTS (SELECT 1 FROM ${stage} s WHERE ${match} AND s.${upd} >= ${target}.${upd})`);
      await tx.exec(
        `INSERT INTO ${model.relation} SELECT s.* FROM ${stage} s WHERE NOT EXISTS (SELECT 1 FROM ${model.relation} WHERE ${match})`,
      );
    });
    return staged;
  } finally {
    await warehouse.exec(`DROP TABLE IF EXISTS ${stage}`);
  }
}

export async function runModel(warehouse: Warehouse, project: Project, model: Model): Promise<ModelRunResult> {
  const started = performance.now();
  let merged: number | undefined;
  switch (model.materialized) {
    case 'ddl':
      await warehouse.exec(renderModel(model, project, warehouse.dialect));
      return { name: model.name, relation: model.relation, materialized: 'ddl', rows: null, ms: performance.now() - started };
    case 'table':
      await dropOtherKind(warehouse, model.relation, 'TABLE');
      await warehouse.exec(`CREATE OR REPLACE TABLE ${model.relation} AS\n${renderModel(model, project, warehouse.dialect)}`);
      break;
    case 'view':
      await dropOtherKind(warehouse, model.relation, 'VIEW');
      await warehouse.exec(`CREATE OR REPLACE VIEW ${model.relation} AS\n${renderModel(model, project, warehouse.dialect)}`);
      break;
    case 'incremental': {
      const merge = (await tableExists(warehouse, model.relation))
        ? await mergeIncremental(warehouse, model, renderModel(model, project, warehouse.dialect, { incremental: true }))
        : 'new';
      if (merge === 'new' || merge === 'columns changed') {
        // A first build, or the model's columns changed: the table is built whole from Bronze.
        await warehouse.exec(`CREATE OR REPLACE TABLE ${model.relation} AS\n${renderModel(model, project, warehouse.dialect)}`);
        merged = await count(warehouse, model.relation);
      } else {
        merged = merge;
      }
      break;
    }
  }
  const rows = await count(warehouse, model.relation);
  return { name: model.name, relation: model.relation, materialized: model.materialized, rows, merged, ms: performance.now() - started };
}

export async function ensureSchemas(warehouse: Warehouse): Promise<void> {
  for (const layer of LAYERS) await warehouse.exec(`CREATE SCHEMA IF NOT EXISTS ${schemaOf(layer)}`);
}

/** Builds the models in dependency order, optionally only those of some layers. */
export async function runModels(options: {
  warehouse: Warehouse;
  project: Project;
  logger: Logger;
  layers?: readonly Model['layer'][];
  onProgress?: ModelProgress;
}): Promise<ModelRunResult[]> {
  const logger = options.logger.child({ module: 'models' });
  await ensureSchemas(options.warehouse);
  const models = options.project.order.filter((m) => !options.layers || options.layers.includes(m.layer));
  const results: ModelRunResult[] = [];
  for (const model of models) {
    try {
      results.push(await runModel(options.warehouse, options.project, model));
    } catch (error) {
      throw new ModelFailedError(model, error);
    }
    const r = results.at(-1)!;
    logger.debug({ model: r.name, rows: r.rows, merged: r.merged, ms: Math.round(r.ms) }, 'model built');
    options.onProgress?.({ done: results.length, total: models.length, model: model.name });
  }
  return results;
}
