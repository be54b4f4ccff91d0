#!/usr/bin/env node
// `npm start` on a fresh clone: installs what is missing (npm packages from the lock; Debian's
// kcat for the embedded Kafka; a Redis server for the queues), or says exactly what to run,
// then hands over to `mars start`. Plain JavaScript with no dependencies, because it runs
// before `npm ci`.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { aptInstall, ensureNativeDecoder, ensureNodeModules, has, root, run } from './setup.mjs';

process.chdir(root);

/** Resolves true when something accepts TCP connections at host:port. */
function answers(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function fail(message) {
  console.error(message);
  process.exit(1);
}

ensureNodeModules();
ensureNativeDecoder();

const needKafka = !process.env.KAFKA_BROKERS;
const redisUrl = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
const redisLocal = ['127.0.0.1', 'localhost'].includes(redisUrl.hostname);
const redisPort = Number(redisUrl.port || 6379);
const redisUp = await answers(redisUrl.hostname, redisPort);

const missing = [];
if (needKafka && !has('kcat')) missing.push('kcat');
if (!redisUp && redisLocal && !has('redis-server')) missing.push('redis-server');
if (missing.length > 0 && !aptInstall(missing)) {
  fail(
    `Missing: ${missing.join(', ')}. Install with \`sudo apt-get install -y ${missing.join(' ')}\`` +
      (missing.includes('kcat') ? ' (or set KAFKA_BROKERS to a running Kafka)' : '') +
      ', then run `npm start` again.',
  );
}

if (!redisUp) {
  if (!redisLocal) fail(`Redis at ${redisUrl.host} does not answer: start it or point REDIS_URL at one that does.`);
  console.log(`Redis does not answer on ${redisUrl.hostname}:${redisPort}: starting a local redis-server (in memory, no persistence).`);
  run(`redis-server --daemonize yes --bind 127.0.0.1 --port ${redisPort} --save "" --appendonly no`);
  for (let i = 0; i < 50 && !(await answers('127.0.0.1', redisPort)); i++) await new Promise((r) => setTimeout(r, 100));
}

const child = spawn(process.execPath, [path.join(root, 'bin', 'mars.js'), 'start', ...process.argv.slice(2)], { stdio: 'inherit' });
// Ctrl-C reaches the child through the terminal's process group; forward what a supervisor sends.
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
process.on('SIGINT', () => undefined);
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
