import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The recorded responses a replay server answers from: one or more folders laid out as
 *
 *   photos/<rover>_sol<N>.json        classic API photos of one sol: {"photos":[...]} or a bare array
 *   manifests/manifest_<rover>.json   classic API manifest: {"photo_manifest":{...}}
 *   traverse/<M20|MSL>_<layer>.json   MMGIS layers, e.g. M20_traverse.json, MSL_waypoints.json
 *   feeds/mars2020/sol<N>.json        Perseverance raw-image feed items of one sol: {"images":[...]}
 *   feeds/msl/sol<N>.json             Curiosity raw-image items of one sol: {"items":[...]}
 *   images/<file name>                image files, served under /images/
 *
 * Where several folders hold the same file, the first folder given wins. Files are read once
 * and kept: the folder is a recording, not a live store.
 */
export class ReplayFolder {
  readonly dirs: readonly string[];
  private readonly json = new Map<string, unknown>();
  private readonly found = new Map<string, string | null>();

  constructor(dirs: string | readonly string[]) {
    this.dirs = (typeof dirs === 'string' ? [dirs] : [...dirs]).map((dir) => path.resolve(dir));
    if (this.dirs.length === 0) throw new RangeError('Expected at least one folder for the replay server but received none');
    for (const dir of this.dirs) {
      if (!existsSync(dir)) throw new Error(`replay folder ${dir} does not exist`);
    }
  }

  /** The absolute path of `relative` in the first folder that has it, or null. */
  locate(relative: string): string | null {
    let hit = this.found.get(relative);
    if (hit === undefined) {
      hit = this.dirs.map((dir) => path.join(dir, relative)).find((file) => existsSync(file)) ?? null;
      this.found.set(relative, hit);
    }
    return hit;
  }

  /** The parsed JSON of `relative`, or undefined when no folder has it. */
  readJson(relative: string): unknown {
    if (this.json.has(relative)) return this.json.get(relative);
    const file = this.locate(relative);
    if (!file) return undefined;
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    this.json.set(relative, value);
    return value;
  }

  /** Names of the files in `folder` across all folders (first wins), e.g. feeds/msl. */
  list(folder: string): string[] {
    const names = new Set<string>();
    for (const dir of this.dirs) {
      const full = path.join(dir, folder);
      if (existsSync(full)) for (const name of readdirSync(full)) names.add(name);
    }
    return [...names].sort();
  }
}

/** `{"<key>": [...]}` or a bare array -> the array; anything else -> []. */
export function itemsOf(value: unknown, key: string): unknown[] {
  if (Array.isArray(value)) return value;
  const items = (value as Record<string, unknown> | null | undefined)?.[key];
  return Array.isArray(items) ? items : [];
}
