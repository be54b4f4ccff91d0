import type { Project } from '../models/project.ts';
import type { DataTestFile, Severity } from '../models/data-test-declarations.ts';

/** One data test as SQL that selects the failing rows: the test passes when it selects none. */
export interface CompiledTest {
  /** dbt-style name: kind, model, columns (`not_null_FLAT_PHOTO_RESPONSE_image_id`). */
  name: string;
  model: string;
  file: string;
  sql: string;
  /** `error` fails the build; `warn` only reports the rows. */
  severity: Severity;
}

const literal = (value: string | number): string => (typeof value === 'number' ? String(value) : `'${value.replace(/'/g, "''")}'`);

function relationOf(project: Project, name: string, file: string): string {
  const model = project.models.get(name);
  if (!model) throw new Error(`${file}: data test names unknown model ${name}`);
  return model.relation;
}

function compileFile(project: Project, file: string, declarations: DataTestFile): CompiledTest[] {
  const out: CompiledTest[] = [];
  for (const [modelName, spec] of Object.entries(declarations.models)) {
    const table = relationOf(project, modelName, file);
    const add = (name: string, sql: string, severity: Severity = 'error') => out.push({ name, model: modelName, file, sql, severity });
    for (const [column, tests] of Object.entries(spec.columns)) {
      for (const test of tests) {
        if (test === 'not_null') {
          add(`not_null_${modelName}_${column}`, `SELECT * FROM ${table} WHERE ${column} IS NULL`);
        } else if (test === 'unique') {
          add(
            `unique_${modelName}_${column}`,
            `SELECT ${column}, COUNT(*) AS n_rows FROM ${table} WHERE ${column} IS NOT NULL GROUP BY ${column} HAVING COUNT(*) > 1`,
          );
        } else if ('accepted_values' in test) {
          add(
            `accepted_values_${modelName}_${column}`,
            `SELECT ${column}, COUNT(*) AS n_rows FROM ${table} WHERE ${column} IS NOT NULL AND ${column} NOT IN (${test.accepted_values.map(literal).join(', ')}) GROUP BY ${column}`,
          );
        } else {
          const parent = relationOf(project, test.relationships.to, file);
          add(
            `relationships_${modelName}_${column}__${test.relationships.to}_${test.relationships.field}`,
            `SELECT c.${column} FROM ${table} c LEFT JOIN ${parent} p ON c.${column} = p.${test.relationships.field} WHERE c.${column} IS NOT NULL AND p.${test.relationships.field} IS NULL`,
          );
        }
      }
    }
    for (const test of spec.tests) {
      if ('unique' in test) {
        const cols = test.unique.join(', ');
        add(`unique_${modelName}_${test.unique.join('_')}`, `SELECT ${cols}, COUNT(*) AS n_rows FROM ${table} GROUP BY ${cols} HAVING COUNT(*) > 1`);
      } else if ('relationships' in test) {
        const { columns, to } = test.relationships;
        const parent = relationOf(project, to, file);
        add(
          `relationships_${modelName}_${columns.join('_')}__${to}`,
          `SELECT ${columns.map((c) => `c.${c}`).join(', ')} FROM ${table} c LEFT JOIN ${parent} p ON ${columns.map((c) => `c.${c} = p.${c}`).join(' AND ')} WHERE ${columns.map((c) => `c.${c} IS NOT NULL`).join(' AND ')} AND p.${columns[0]} IS NULL`,
        );
      } else {
        add(`expression_${modelName}_${test.expression.name}`, `SELECT * FROM ${table} WHERE NOT (${test.expression.where})`, test.expression.severity);
      }
    }
  }
  return out;
}

export function compileDataTests(project: Project): CompiledTest[] {
  const tests = project.tests.flatMap(({ file, declarations }) => compileFile(project, file, declarations));
  const seen = new Set<string>();
  for (const test of tests) {
    if (seen.has(test.name)) throw new Error(`data test ${test.name} is declared twice`);
    seen.add(test.name);
  }
  return tests;
}
