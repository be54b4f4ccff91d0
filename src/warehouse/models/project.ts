import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatIssues } from '../../platform/errors.ts';
import { DataTestFileSchema, type DataTestFile } from './data-test-declarations.ts';
import { listCalls } from './template.ts';

/** The layers the model runner builds, in order. `sql/lineage/` is DDL owned by the lineage store. */
export const LAYERS = ['bronze', 'silver', 'gold'] as const;
export type Layer = (typeof LAYERS)[number];

export const schemaOf = (layer: Layer): string => `MARS_${layer.toUpperCase()}`;

/** The project's own `sql/` folder, found from this file so it works from any working directory. */
export const DEFAULT_SQL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'sql');

const ModelConfigSchema = z
  .object({
    /**
     * `ddl`: a CREATE ... IF NOT EXISTS script (Bronze load targets); `table`: rebuilt each run;
     * `incremental`: merged; `view`: a query over other models, for what is cheaper to read than to store.
     */
    materialized: z.enum(['ddl', 'table', 'incremental', 'view']),
    /** Comma-separated columns identifying a row (incremental only). */
    unique_key: z.string().optional(),
    /** Column that decides which of two versions of a row wins (incremental only): the larger. */
    updated_at: z.string().optional(),
  })
  .refine((c) => c.materialized !== 'incremental' || (c.unique_key && c.updated_at), {
    message: 'incremental models need unique_key and updated_at',
  });

export interface Model {
  name: string;
  layer: Layer;
  schema: string;
  /** Schema-qualified table name. */
  relation: string;
  file: string;
  template: string;
  materialized: 'ddl' | 'table' | 'incremental' | 'view';
  uniqueKey: string[];
  updatedAt?: string;
  /** Names of the models this one reads through ref() or source(). */
  dependsOn: string[];
}

export interface Project {
  models: Map<string, Model>;
  /** Models in dependency order. */
  order: Model[];
  tests: Array<{ file: string; declarations: DataTestFile }>;
}

function parseModel(file: string, layer: Layer, template: string): Model {
  const name = path.basename(file, '.sql');
  const calls = listCalls(template);
  const configs = calls.filter((c) => c.name === 'config');
  if (configs.length !== 1) throw new Error(`${file}: expected exactly one {{ config(...) }} but found ${configs.length}`);
  const parsed = ModelConfigSchema.safeParse(configs[0]!.kwargs);
  if (!parsed.success) throw new Error(`${file}: bad config: ${formatIssues(parsed.error.issues)}`);
  const config = parsed.data;
  const dependsOn = [...new Set(calls.filter((c) => c.name === 'ref' || c.name === 'source').map((c) => c.args[0] ?? ''))];
  return {
    name,
    layer,
    schema: schemaOf(layer),
    relation: `${schemaOf(layer)}.${name}`,
    file,
    template,
    materialized: config.materialized,
    uniqueKey: (config.unique_key ?? '').split(',').map((k) => k.trim()).filter(Boolean),
    updatedAt: config.updated_at,
    dependsOn,
  };
}

function orderModels(models: Map<string, Model>): Model[] {
  const ordered: Model[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    const model = models.get(name);
    if (!model) throw new Error(`${trail.at(-1) ?? '?'} refers to unknown model ${name}`);
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`models depend on each other in a cycle: ${[...trail, name].join(' -> ')}`);
    state.set(name, 'visiting');
    for (const dep of model.dependsOn) {
      const target = models.get(dep);
      if (target && LAYERS.indexOf(target.layer) > LAYERS.indexOf(model.layer)) {
        throw new Error(`${model.name} (${model.layer}) reads ${dep} from a later layer (${target.layer})`);
      }
      visit(dep, [...trail, name]);
    }
    state.set(name, 'done');
    ordered.push(model);
  };
  // Sorted by layer then name, so runs are reproducible.
  const names = [...models.values()]
    .sort((a, b) => LAYERS.indexOf(a.layer) - LAYERS.indexOf(b.layer) || a.name.localeCompare(b.name))
    .map((m) => m.name);
  for (const name of names) visit(name, []);
  return ordered;
}

/** The model and test files under `sqlDir/<layer>/`, sorted by layer then name. */
async function projectFiles(sqlDir: string): Promise<Array<{ layer: Layer; file: string }>> {
  const files: Array<{ layer: Layer; file: string }> = [];
  for (const layer of LAYERS) {
    const dir = path.join(sqlDir, layer);
    for (const entry of (await readdir(dir).catch(() => [] as string[])).sort()) {
      if (/\.(sql|ya?ml)$/.test(entry)) files.push({ layer, file: path.join(dir, entry) });
    }
  }
  return files;
}

interface ProjectFile {
  layer: Layer;
  file: string;
  text: string;
}

function parseProject(files: ProjectFile[]): Project {
  const models = new Map<string, Model>();
  const tests: Project['tests'] = [];
  for (const { layer, file, text } of files) {
    if (file.endsWith('.sql')) {
      const model = parseModel(file, layer, text);
      if (models.has(model.name)) throw new Error(`model ${model.name} is defined twice (${models.get(model.name)!.file}, ${file})`);
      models.set(model.name, model);
    } else {
      const parsed = DataTestFileSchema.safeParse(parseYaml(text));
      if (!parsed.success) {
        throw new Error(`${file}: ${formatIssues(parsed.error.issues)}`);
      }
      tests.push({ file, declarations: parsed.data });
    }
  }
  return { models, order: orderModels(models), tests };
}

/** The last project parsed from each folder, with a digest of its files' names and text. */
const parsedProjects = new Map<string, { digest: string; project: Project }>();

/**
 * Reads every model and test declaration under `sqlDir/<layer>/`. Parsing them (YAML, zod) was
 * most of a build that finds nothing new, so files identical to the last read's give that
 * read's project again.
 */
export async function loadProject(sqlDir: string = DEFAULT_SQL_DIR): Promise<Project> {
  const files: ProjectFile[] = await Promise.all((await projectFiles(sqlDir)).map(async (f) => ({ ...f, text: await readFile(f.file, 'utf8') })));
  const hash = createHash('sha256');
  for (const { file, text } of files) hash.update(`${file}\u0000${text}\u0000`);
  const digest = hash.digest('hex');
  const last = parsedProjects.get(sqlDir);
  if (last?.digest === digest) return last.project;
  const project = parseProject(files);
  parsedProjects.set(sqlDir, { digest, project });
  return project;
}
