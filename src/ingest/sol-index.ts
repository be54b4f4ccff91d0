import type { ObjectStore } from '../platform/object-store/object-store.ts';
import type { Rover } from '../timelapse/raw-objects.ts';

/** The sol-keyed sources: photos (classic API) and the raw-image feeds. */
export type SolSource = 'photos' | 'feed';

/** Sols per index folder: a range is read from a few small folders, never the whole mission. */
const SOLS_PER_FOLDER = 100;

const folderOf = (sol: number) => String(Math.floor(sol / SOLS_PER_FOLDER)).padStart(6, '0');

const MARKER = /\/(\d+)\.json$/;

/**
 * Which sols of a rover have a raw object, recorded beside the raw objects: one small marker
 * object per sol, `index/sols/<photos|feeds>/<rover>/<folder>/<sol>.json`, written after the
 * raw object that covers it (so a marker never points at nothing). Asking about a range reads
 * only the folders of that range, however many sols the mission has; each marker is written by
 * itself, so concurrent writers cannot lose each other's sols.
 */
export class SolIndex {
  constructor(private readonly store: ObjectStore) {}

  private root(source: SolSource, rover: Rover): string {
    return `index/sols/${source === 'feed' ? 'feeds' : 'photos'}/${rover}/`;
  }

  /** Marks `sols` as ingested by the raw object at `rawKey`. */
  async record(source: SolSource, rover: Rover, sols: readonly number[], rawKey: string): Promise<void> {
    const root = this.root(source, rover);
    for (let start = 0; start < sols.length; start += 8) {
      await Promise.all(sols.slice(start, start + 8).map((sol) => this.store.putJson(`${root}${folderOf(sol)}/${sol}.json`, { sol, rawKey })));
    }
  }

  /** The ingested sols within [solStart, solEnd]. */
  async ingested(source: SolSource, rover: Rover, solStart: number, solEnd: number): Promise<Set<number>> {
    const sols = new Set<number>();
    const root = this.root(source, rover);
    for (let folder = Math.floor(solStart / SOLS_PER_FOLDER); folder <= Math.floor(solEnd / SOLS_PER_FOLDER); folder++) {
      for (const sol of await this.solsIn(`${root}${folderOf(folder * SOLS_PER_FOLDER)}/`)) {
        if (sol >= solStart && sol <= solEnd) sols.add(sol);
      }
    }
    return sols;
  }

  /** The sols within [solStart, solEnd] ingested from either source (a timelapse takes both). */
  async ingestedFromAny(rover: Rover, solStart: number, solEnd: number): Promise<Set<number>> {
    const [photos, feed] = await Promise.all([this.ingested('photos', rover, solStart, solEnd), this.ingested('feed', rover, solStart, solEnd)]);
    return new Set([...photos, ...feed]);
  }

  /** The highest ingested sol, or undefined when none is: the last folder, then its highest marker. */
  async highest(source: SolSource, rover: Rover): Promise<number | undefined> {
    let last: string | undefined;
    for await (const folder of this.store.listFolders(this.root(source, rover))) {
      if (last === undefined || folder > last) last = folder;
    }
    if (last === undefined) return undefined;
    const sols = await this.solsIn(last);
    return sols.length > 0 ? Math.max(...sols) : undefined;
  }

  private async solsIn(folder: string): Promise<number[]> {
    const sols: number[] = [];
    for await (const object of this.store.list(folder)) {
      const match = MARKER.exec(object.key);
      if (match) sols.push(Number(match[1]));
    }
    return sols;
  }
}
