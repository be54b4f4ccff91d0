// What `npm start` and `npm test` both do on a fresh machine before anything else: install the
// npm packages from the lock and the Debian packages a run needs. Plain JavaScript with no
// dependencies, because it runs before `npm ci`.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNativeDecoder, nativeDecoderBuilt } from './build-native.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export function run(command) {
  console.log(`$ ${command}`);
  execSync(command, { stdio: 'inherit' });
}

export function ensureNodeModules() {
  if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
    console.log('node_modules is missing: installing npm packages from the lock file.');
    run('npm ci --no-audit --no-fund');
  }
}

/**
 * Installs Debian packages with apt when running as root where apt exists. Returns true when
 * they were installed, false when the caller must tell the user what to run.
 */
export function aptInstall(packages) {
  if (!(has('apt-get') && process.getuid?.() === 0)) return false;
  console.log(`Installing Debian packages: ${packages.join(' ')}`);
  run('apt-get update -qq');
  run(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${packages.join(' ')}`);
  return true;
}

/**
 * The native JPEG decoder the frame judge prefers (scripts/build-native.mjs): libjpeg-turbo's
 * headers from Debian when they are missing and apt can install them, then the build. Optional:
 * without it frames are decoded through sharp.
 */
export function ensureNativeDecoder() {
  if (nativeDecoderBuilt()) return;
  if (!existsSync('/usr/include/turbojpeg.h')) aptInstall(['libturbojpeg0-dev']);
  buildNativeDecoder();
}
