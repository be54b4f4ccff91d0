import { spawnSync } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { removeStaleRenderFolders } from '../../src/media/render-folder.ts';
import { tempDir } from '../support/temp.ts';

it('removes the scratch folders of renders whose process is gone, and only those', async () => {
  const { dir, cleanup } = await tempDir('mars-render-folders');
  try {
    // A process that has exited: its pid names no live process now.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    const names = [`mars-render-${gone}-aB3xYz`, `mars-render-${process.pid}-Qw12er`, 'mars-render-Zx81ab', 'other-thing'];
    for (const name of names) await mkdir(path.join(dir, name, 'frames'), { recursive: true });
    expect(await removeStaleRenderFolders(dir)).toEqual([path.join(dir, `mars-render-${gone}-aB3xYz`)]);
    expect((await readdir(dir)).sort()).toEqual([`mars-render-${process.pid}-Qw12er`, 'mars-render-Zx81ab', 'other-thing'].sort());
  } finally {
    await cleanup();
  }
});
