#!/usr/bin/env node
// The project's test command (`npm test`): installs what a fresh machine lacks, runs every
// vitest file, and closes with a plain `N passed, N failed` line computed from vitest's JSON
// report, which is what CI reads.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { aptInstall, ensureNativeDecoder, ensureNodeModules, has, root } from './setup.mjs';

process.chdir(root);
ensureNodeModules();
ensureNativeDecoder();

// Debian packages the tests drive: kcat (Kafka mock cluster), chromium (browser test).
const debian = { kcat: 'kcat', chromium: 'chromium' };
const missing = Object.entries(debian).filter(([command]) => !has(command)).map(([, pkg]) => pkg);
if (missing.length > 0 && !aptInstall(missing)) {
  console.log(`Missing Debian packages: ${missing.join(' ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}`);
}

const report = path.join(root, '.vitest-report.json');
rmSync(report, { force: true });
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const result = spawnSync('npx', args, { stdio: 'inherit' });

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests ?? 0;
  // A file that fails to load has no failed test in it: count it as one failure.
  const brokenFiles = (json.testResults ?? []).filter(
    (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((test) => test.status === 'failed'),
  ).length;
  failed = (json.numFailedTests ?? 0) + brokenFiles;
  skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
} else {
  failed = 1;
  console.log('vitest wrote no report: counting the run as one failure.');
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(result.status === 0 && failed === 0 ? 0 : 1);
