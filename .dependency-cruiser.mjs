// The import map of src/, checked by test/architecture/import-rules.test.ts (part of `npm test`).
// Folders sit in layers, lowest first; a file may import its own folder and any folder of a
// lower layer, never one of its own layer or above:
//
//   timelapse                  the shared contract: topics, schemas, keys (imports nothing of ours)
//   platform                   config, logging, Kafka, object store, Redis, errors, lifecycle
//   http                       the HTTP server and the client other commands use
//   ingest  warehouse  media   the three pipelines, each unaware of the others
//   web                        the gallery, reading the warehouse and the object store
//   workers                    roles and the process that runs them, composing everything below
//   cli                        the `mars` command
//
// Anything that two folders of one layer both need lives in a lower layer (usually the
// contract), and a lower layer that needs a higher one's work is handed it as an interface.
export const layers = [['timelapse'], ['platform'], ['http'], ['ingest', 'warehouse', 'media'], ['web'], ['workers'], ['cli']];

const folders = layers.flat();

const under = (names) => `^src/(${names.join('|')})/`;

const layerRules = layers.flatMap((layer, rank) => {
  const above = layers.slice(rank + 1).flat();
  return layer.map((folder) => ({
    name: `layer-${folder}`,
    comment: `src/${folder} may import only ${layers.slice(0, rank).flat().join(', ') || 'nothing of ours'} besides itself`,
    severity: 'error',
    from: { path: under([folder]) },
    to: { path: under([...above, ...layer.filter((peer) => peer !== folder)]) },
  }));
});

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    ...layerRules,
    {
      name: 'known-folders',
      comment: 'every top folder of src/ has a place in the layers above',
      severity: 'error',
      from: { path: '^src/', pathNot: [under(folders), '^src/types/'] },
      to: {},
    },
    {
      name: 'no-cycle',
      comment: 'modules that import each other, directly or around a loop',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      comment: 'folders that import each other, directly or around a loop',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphan',
      comment: 'a module nothing imports and that imports nothing is dead code',
      severity: 'error',
      from: { orphan: true, pathNot: ['\\.d\\.ts$'] },
      to: {},
    },
    {
      name: 'no-unresolvable',
      comment: 'an import of ours that points at no file',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, pathNot: ['^node:'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|test|bench|scripts|sample|sql)/' },
    // Type-only imports count: a type from a higher layer couples as much as a value does.
    tsPreCompilationDeps: true,
    // TypeScript 7 has no JavaScript API for dependency-cruiser to parse with; swc reads .ts.
    parser: 'swc',
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
