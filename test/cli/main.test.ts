import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('the mars command', () => {
  it('ends quietly when its reader closes the pipe early, as `mars … | head` does', async () => {
    const child = spawn(process.execPath, [path.join(root, 'bin', 'mars.js'), '--help'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader is gone before the command prints a byte.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
