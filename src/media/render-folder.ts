import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** `mars-render-<pid>-XXXXXX`: the process that made a scratch folder is in its name. */
const OWNED = /^mars-render-(\d+)-[A-Za-z0-9]{6}$/;

/** A render's scratch folder under the OS temp folder, named for this process. */
export function makeRenderFolder(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `mars-render-${process.pid}-`));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the scratch folders of renders whose process is gone: one killed with SIGKILL never
 * cleans up after itself. Folders of live processes (other renderers on this machine) stay.
 * Answers the folders removed.
 */
export async function removeStaleRenderFolders(root = os.tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(root)) {
    const owner = OWNED.exec(name)?.[1];
    if (owner === undefined || isAlive(Number(owner))) continue;
    await rm(path.join(root, name), { recursive: true, force: true });
    removed.push(path.join(root, name));
  }
  return removed;
}
