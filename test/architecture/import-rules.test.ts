import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, getAvailableTranspilers, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The layer map of src/ (.dependency-cruiser.mjs), checked on the real tree and shown to bite
// on a small tree that breaks each rule once.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const configFile = path.join(root, '.dependency-cruiser.mjs');

async function cruiseTree(baseDir: string): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions(configFile);
  const { output } = await cruise(['src'], { ...options, baseDir });
  return output as ICruiseResult;
}

const violations = (result: ICruiseResult) =>
  result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.(ts|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

describe('import rules', () => {
  it('reads TypeScript (through @swc/core; run `npm install` if it is missing)', () => {
    expect(getAvailableTranspilers().find((t) => t.name === 'swc')?.available).toBe(true);
  });

  it('src/ imports only downward, with no cycle and no orphan', async () => {
    const result = await cruiseTree(root);
    // Every source file was read: a tree the cruiser cannot parse would pass with no edges.
    const cruised = result.modules.map((module) => module.source).filter((source) => source.startsWith('src/'));
    expect(cruised).toEqual(expect.arrayContaining(await sourceFiles('src')));
    expect(violations(result)).toEqual([]);
  });

  describe('on a tree that breaks each rule once', () => {
    let dir: string;
    let result: ICruiseResult;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'import-rules-'));
      const files: Record<string, string> = {
        'src/timelapse/topics.ts': `export const TOPIC = 'timelapse-commands';`,
        // platform reaching up into workers, which imports platform back: a folder cycle too.
        'src/platform/config.ts': `import { roleNames } from '../workers/roles.ts';\nexport interface Config { roles: string[] }\nexport const config: Config = { roles: roleNames };`,
        // (a type-only import counts: the type couples the folders as much as a value would)
        'src/workers/roles.ts': `import { TOPIC } from '../timelapse/topics.ts';\nimport type { Config } from '../platform/config.ts';\nexport const roleNames = [TOPIC];\nexport const rolesOf = (config: Config) => config.roles;`,
        // media reaching sideways into warehouse.
        'src/media/render.ts': `import type { Store } from '../warehouse/store.ts';\nexport const render = (store: Store) => store;`,
        'src/warehouse/store.ts': `import { TOPIC } from '../timelapse/topics.ts';\nexport interface Store { topic: typeof TOPIC }`,
        // imported by nothing and importing nothing.
        'src/ingest/forgotten.ts': `export const forgotten = 1;`,
        // a folder outside the map.
        'src/misc/helper.ts': `import { TOPIC } from '../timelapse/topics.ts';\nexport const helper = TOPIC;`,
        'src/cli/main.ts': `import { render } from '../media/render.ts';\nimport { config } from '../platform/config.ts';\nimport { helper } from '../misc/helper.ts';\nconsole.log(render, config, helper);`,
      };
      for (const [file, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
        await writeFile(path.join(dir, file), `${text}\n`);
      }
      result = await cruiseTree(dir);
    });

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('reports the upward and sideways imports, the cycles, the orphan and the unknown folder', () => {
      // A cycle of modules is reported once, from where the cruise met it; of folders, both ways.
      expect(violations(result)).toEqual([
        'known-folders: src/misc/helper.ts -> src/timelapse/topics.ts',
        'layer-media: src/media/render.ts -> src/warehouse/store.ts',
        'layer-platform: src/platform/config.ts -> src/workers/roles.ts',
        'no-cycle: src/platform/config.ts -> src/workers/roles.ts',
        'no-folder-cycle: src/platform -> src/workers',
        'no-folder-cycle: src/workers -> src/platform',
        'no-orphan: src/ingest/forgotten.ts -> src/ingest/forgotten.ts',
      ]);
    });
  });
});
