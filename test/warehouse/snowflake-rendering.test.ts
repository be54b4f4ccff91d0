import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileDataTests } from '../../src/warehouse/data-tests/compile.ts';
import { loadProject, type Project } from '../../src/warehouse/models/project.ts';
import { renderModel } from '../../src/warehouse/models/render.ts';

/**
 * Golden files pin what each model becomes on Snowflake (no Snowflake here to run them on).
 * After a deliberate change, regenerate with UPDATE_GOLDEN=1 and review the diff.
 */
const goldenDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden', 'snowflake');

async function golden(name: string, actual: string): Promise<void> {
  const file = path.join(goldenDir, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.UPDATE_GOLDEN !== '1') throw new Error(`golden file ${name} is missing: run with UPDATE_GOLDEN=1 to write it`);
    await mkdir(goldenDir, { recursive: true });
    await writeFile(file, actual);
  }
  expect(actual).toBe(await readFile(file, 'utf8'));
}

describe('Snowflake rendering of the models', () => {
  let project: Project;
  beforeAll(async () => {
    project = await loadProject();
  });

  it('knows every Bronze, Silver and Gold table of the design, in dependency order', () => {
    expect(project.order.map((m) => m.relation)).toEqual([
      'MARS_BRONZE.LOADED_OBJECTS',
      'MARS_BRONZE.MISSING_ORIGINALS',
      'MARS_BRONZE.MODEL_BUILDS',
      'MARS_BRONZE.RAW_COORDINATE_RESPONSE',
      'MARS_BRONZE.RAW_IMAGE_FEED_RESPONSE',
      'MARS_BRONZE.RAW_MANIFEST_RESPONSE',
      'MARS_BRONZE.RAW_PHOTO_RESPONSE',
      'MARS_SILVER.FLAT_PHOTO_RESPONSE',
      'MARS_SILVER.DIM_CAMERAS',
      'MARS_SILVER.FACT_PHOTOS',
      'MARS_SILVER.FLAT_MANIFEST_RESPONSE',
      'MARS_SILVER.DIM_ROVERS',
      'MARS_SILVER.FLAT_COORDINATE_RESPONSE',
      'MARS_SILVER.FACT_PATH',
      'MARS_SILVER.FLAT_MANIFEST_PHOTOS',
      'MARS_SILVER.PHOTO_FILE_NAMES',
      'MARS_SILVER.VALIDATION_PHOTO_GAPS',
      'MARS_GOLD.DAILY_ACTIVITY',
      'MARS_GOLD.CAMERA_TRAVEL_CORRELATION',
      'MARS_GOLD.INGESTION_PLANNING',
      'MARS_GOLD.PHOTO_ANOMALIES',
      'MARS_GOLD.PHOTO_SUMMARY',
      'MARS_GOLD.TIMELAPSE_CANDIDATES',
    ]);
  });

  it('renders each model as pinned by its golden file', async () => {
    for (const model of project.order) {
      await golden(`${model.name}.sql`, renderModel(model, project, 'snowflake'));
      if (model.materialized === 'incremental') {
        await golden(`${model.name}.incremental.sql`, renderModel(model, project, 'snowflake', { incremental: true }));
      }
    }
  });

  it('uses only Snowflake JSON syntax, and DuckDB gets none of it', () => {
    const flat = project.models.get('FLAT_PHOTO_RESPONSE')!;
    const snow = renderModel(flat, project, 'snowflake');
    const duck = renderModel(flat, project, 'duckdb');
    // json_fields: Snowflake reads the VARIANT under its alias; DuckDB parses the record once into a STRUCT.
    expect(snow).toContain('SELECT b.*, b.record AS photo');
    expect(snow).toContain('b.photo:camera.name::VARCHAR AS camera_name');
    expect(snow).not.toMatch(/json_extract|json_transform/);
    expect(duck).toContain(`json_transform(b.record, '{"id":"VARCHAR","sol":"VARCHAR","earth_date":"VARCHAR","camera":{"name":"VARCHAR","full_name":"VARCHAR"},"img_src":"VARCHAR"}') AS photo`);
    expect(duck).toContain('b.photo."camera"."name" AS camera_name');
    expect(duck).not.toMatch(/::VARCHAR|FLATTEN|TRY_TO_/);
    const manifest = project.models.get('FLAT_MANIFEST_PHOTOS')!;
    const snowManifest = renderModel(manifest, project, 'snowflake');
    expect(snowManifest).toContain('SELECT b.rover, b.record:photos AS photos');
    expect(snowManifest).toContain('FROM latest, LATERAL FLATTEN(input => latest.photos) AS e');
    // DuckDB unnests a column of JSON values: unnest over an expression would copy its input into every row.
    const duckManifest = renderModel(manifest, project, 'duckdb');
    expect(duckManifest).toContain(`SELECT b.rover, json_extract(b.record, '$.photos[*]') AS photos`);
    expect(duckManifest).toContain('FROM latest, unnest(latest.photos) AS e(value)');
  });

  it('compiles data tests with names that say what failed', () => {
    const names = compileDataTests(project).map((t) => t.name);
    expect(names).toContain('not_null_FLAT_PHOTO_RESPONSE_image_id');
    expect(names).toContain('unique_FLAT_PHOTO_RESPONSE_source_image_id');
    expect(names).toContain('accepted_values_FLAT_PHOTO_RESPONSE_rover_name');
    expect(names).toContain('relationships_FACT_PHOTOS_rover_name__DIM_ROVERS_rover_name');
    expect(names).toContain('relationships_TIMELAPSE_CANDIDATES_rover_name_camera_name__DIM_CAMERAS');
    expect(names).toContain('expression_INGESTION_PLANNING_range_ordered');
    // Anomalies warn; broken keys fail.
    const tests = compileDataTests(project);
    expect(tests.find((t) => t.name === 'expression_PHOTO_ANOMALIES_no_count_outliers')?.severity).toBe('warn');
    expect(tests.find((t) => t.name === 'relationships_PHOTO_ANOMALIES_rover_name__DIM_ROVERS_rover_name')?.severity).toBe('error');
    expect(tests.filter((t) => t.severity === 'warn').map((t) => t.name)).toEqual([
      'expression_PHOTO_ANOMALIES_no_missing_photos',
      'expression_PHOTO_ANOMALIES_no_count_outliers',
      'expression_PHOTO_ANOMALIES_no_date_mismatches',
      'expression_PHOTO_ANOMALIES_no_duplicate_sources',
      'expression_PHOTO_ANOMALIES_no_missing_originals',
    ]);
  });
});
