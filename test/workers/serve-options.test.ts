import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { portOption } from '../../src/cli/port-option.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

it('mars serve refuses a --port that is not a decimal port number, before starting anything', () => {
  for (const value of ['', '0x1F90', '65536']) {
    const result = spawnSync(process.execPath, ['bin/mars.js', 'serve', '--port', value], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(result.status, value).toBe(1);
    expect(result.stderr, value).toContain(`Expected a port number (0-65535) for --port but received "${value}"`);
  }
});

it('every --port (serve, start, replay) reads decimal ports 0-65535 only', () => {
  expect(portOption('0')).toBe(0);
  expect(portOption('8080')).toBe(8080);
  expect(portOption('65535')).toBe(65535);
  for (const value of ['', ' ', '0x1F90', '1e3', '65536', '99999', '-1', '80.5']) {
    expect(() => portOption(value), value).toThrow(`Expected a port number (0-65535) for --port but received "${value}"`);
  }
});
