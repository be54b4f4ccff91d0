#!/usr/bin/env node
// Builds the native JPEG decoder (native/scaled-jpeg.c) against the system's libjpeg-turbo,
// after `npm ci` (postinstall) and from `npm start` and `npm test`. It is optional: without a C
// compiler or libjpeg-turbo's headers (Debian: libturbojpeg0-dev) the frame judge decodes
// through sharp instead, with the same pixels at about twice the CPU time. Plain JavaScript
// with no dependencies, because it runs during `npm ci`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const nativeDecoder = path.join(root, 'native', 'build', 'scaled-jpeg.node');
const source = path.join(root, 'native', 'scaled-jpeg.c');

/** Node-API's headers: npm's configured nodedir, else beside this Node.js. */
function nodeHeaders() {
  const candidates = [process.env.npm_config_nodedir, path.resolve(path.dirname(process.execPath), '..')]
    .filter(Boolean)
    .map((dir) => path.join(dir, 'include', 'node'));
  return candidates.find((dir) => existsSync(path.join(dir, 'node_api.h')));
}

/** Whether the decoder is built from the current source. */
export function nativeDecoderBuilt() {
  return existsSync(nativeDecoder) && statSync(nativeDecoder).mtimeMs >= statSync(source).mtimeMs;
}

/** Builds the decoder unless it is built; returns whether it is. Says why not, and what to install. */
export function buildNativeDecoder({ quiet = false } = {}) {
  if (nativeDecoderBuilt()) return true;
  const headers = nodeHeaders();
  const say = (message) => quiet || console.log(`native JPEG decoder: ${message}`);
  if (!headers) {
    say("Node.js's headers (node_api.h) were not found; frames are decoded through sharp instead.");
    return false;
  }
  mkdirSync(path.dirname(nativeDecoder), { recursive: true });
  const compiler = process.env.CC || 'cc';
  const result = spawnSync(compiler, ['-O2', '-shared', '-fPIC', `-I${headers}`, source, '-lturbojpeg', '-o', nativeDecoder], { encoding: 'utf8' });
  if (result.status !== 0) {
    say(
      `not built (${(result.error?.message ?? result.stderr ?? '').trim().split('\n')[0]}); frames are decoded through sharp instead, ` +
        'at about twice the CPU time. To build it: apt-get install libturbojpeg0-dev, then node scripts/build-native.mjs.',
    );
    return false;
  }
  say(`built ${path.relative(root, nativeDecoder)}`);
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) buildNativeDecoder();
