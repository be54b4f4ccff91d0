import { z } from 'zod';

/**
 * Data tests declared beside the models, one YAML file per layer folder:
 *
 *   models:
 *     FLAT_PHOTO_RESPONSE:
 *       columns:
 *         image_id: [not_null]
 *         rover_name: [not_null, { accepted_values: [curiosity, perseverance] }]
 *         camera_name: [{ relationships: { to: DIM_CAMERAS, field: camera_name } }]
 *       tests:
 *         - unique: [source, image_id]
 *         - relationships: { columns: [rover_name, camera_name], to: DIM_CAMERAS }
 *         - expression: { name: sol_not_negative, where: "sol >= 0" }
 *         - expression: { name: no_outliers, where: "kind <> 'count-outlier'", severity: warn }
 *
 * Severity, as in dbt: `error` (the default) fails the build and `mars warehouse test`; `warn`
 * reports the rows as a warning (data that looks wrong, not a broken pipeline).
 */
export const SEVERITIES = ['warn', 'error'] as const;
export type Severity = (typeof SEVERITIES)[number];

const ColumnTestSchema = z.union([
  z.literal('not_null'),
  z.literal('unique'),
  z.object({ accepted_values: z.array(z.union([z.string(), z.number()])).min(1) }).strict(),
  z.object({ relationships: z.object({ to: z.string(), field: z.string() }).strict() }).strict(),
]);

const ModelTestSchema = z.union([
  z.object({ unique: z.array(z.string()).min(1) }).strict(),
  z.object({ relationships: z.object({ columns: z.array(z.string()).min(1), to: z.string() }).strict() }).strict(),
  z
    .object({
      expression: z.object({ name: z.string().regex(/^[A-Za-z0-9_]+$/), where: z.string().min(1), severity: z.enum(SEVERITIES).default('error') }).strict(),
    })
    .strict(),
]);

export const DataTestFileSchema = z.object({
  models: z.record(
    z.string(),
    z
      .object({
        columns: z.record(z.string(), z.array(ColumnTestSchema)).default({}),
        tests: z.array(ModelTestSchema).default([]),
      })
      .strict(),
  ),
});
export type DataTestFile = z.infer<typeof DataTestFileSchema>;
