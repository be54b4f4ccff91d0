import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ServeChild {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  /** Resolves when a log line with this message appears. */
  logged: (msg: string) => Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `mars serve` as a child process, resolved once it prints its URL. */
export function spawnServe(env: Record<string, string>, args: string[] = []): Promise<ServeChild> {
  const child = spawn(process.execPath, ['bin/mars.js', 'serve', ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const logged = (msg: string) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!err.includes(`"msg":"${msg}"`)) return;
        child.stderr!.off('data', check);
        resolve();
      };
      child.stderr!.on('data', check);
      check();
    });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /mars serve: (http:\/\/\S+)/.exec(out);
      if (match) resolve({ child, url: match[1]!, stderr: () => err, logged, exited });
    });
    void exited.then(({ code }) => reject(new Error(`mars serve exited (${code}) before it was ready:\n${err.slice(-3000)}`)));
  });
}
